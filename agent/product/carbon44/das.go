package carbon44

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wso2-container/agent/agent/carbonapp"
	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/agent/quartz"
	"github.com/wso2-container/agent/internal/boundedread"
	"github.com/wso2-container/agent/internal/fixpoint"
)

func init() {
	product.RegisterSignature(product.Signature{Product: DAS, Name: "API Manager Analytics 2.0.0",
		Has: []string{"repository/conf/datasources/analytics-datasources.xml"}, Lacks: []string{"repository/conf/api-manager.xml"}})
	product.Register(DAS, carbonProduct{edits: (*target).dasEdits, check: dasScheduleProblems, after: (*target).planSchedules})
	product.RegisterProfile(&product.Profile{Name: profileAnalytics, Product: DAS, Home: "/wso2analytics", Component: "das",
		Members: []string{"tasks.das"}, SubDomain: "worker", MemberPort: "4300",
		ClusterDomain: "wso2.das.domain"})
}

// dasStatsDatasource is API Manager's statistics database, which the
// analytics server writes.
var dasStatsDatasource = Datasource{"WSO2AM_STATS_DB", "jdbc/WSO2AM_STATS_DB", "statdb"}

// dasAnalyticsDatasources are the analytics record stores (B24: the old
// image deleted a misspelt WSO2_ANALYSTICS_FS_DB and appended a second
// WSO2_ANALYTICS_FS_DB; each exists exactly once here).
var dasAnalyticsDatasources = []Datasource{
	{"WSO2_ANALYTICS_EVENT_STORE_DB", "jdbc/WSO2_ANALYTICS_EVENT_STORE_DB", "analytics_event_store"},
	{"WSO2_ANALYTICS_PROCESSED_DATA_STORE_DB", "jdbc/WSO2_ANALYTICS_PROCESSED_DATA_STORE_DB", "analytics_processed_data_store"},
	{"WSO2_ANALYTICS_FS_DB", "jdbc/WSO2_ANALYTICS_FS_DB", "analytics_fs"},
}

// dasEdits are the API Manager Analytics 2.0.0 (DAS) edits: every
// datasource file gets host, user and password (B17, B18).
func (t *target) dasEdits(s *plan.EditSet) {
	// The analytics log4j.properties has no event appender.
	t.carbonEdits(s, []Datasource{
		{"WSO2UM_DB", "jdbc/WSO2UM_DB", "userdb"},
		{"WSO2REG_DB", "jdbc/WSO2REG_DB", "regdb"},
	})
	t.datasourceEdits(s, dsDir+"analytics-datasources.xml", dsParent, dasAnalyticsDatasources)
	t.datasourceEdits(s, dsDir+"stats-datasources.xml", dsParent, []Datasource{dasStatsDatasource})
}

// CarbonApp is the API Manager analytics carbon app and the two places it is
// deployed from (B7: both copies are patched).
const CarbonApp = "org_wso2_carbon_analytics_apim-1.0.0.car"

// CarbonAppDirs are the two folders CarbonApp is deployed from.
var CarbonAppDirs = []string{
	"repository/deployment/server/carbonapps",
	"repository/components/features/org.wso2.analytics.apim_2.0.0",
}

// DASScript is one Spark script of the Analytics carbon app whose
// schedule a variable sets.
type DASScript struct {
	Variable string // WSO2_DAS_APIM_*
	Value    string // its value: the Quartz schedule
	Entry    string // the script's entry in the carbon app
}

// DASScripts maps each schedule variable to its Spark script inside the car.
func DASScripts(c *contract.Config) []DASScript {
	return []DASScript{
		{"WSO2_DAS_APIM_INCREMENTAL_PROCESSING_SCRIPT", c.DASIncremental, "APIM_INCREMENTAL_PROCESSING_SCRIPT_1.0.0/APIM_INCREMENTAL_PROCESSING_SCRIPT.xml"},
		{"WSO2_DAS_APIM_LAST_ACCESS_TIME_SCRIPT", c.DASLastAccess, "APIM_LAST_ACCESS_TIME_SCRIPT_1.0.0/APIM_LAST_ACCESS_TIME_SCRIPT.xml"},
		{"WSO2_DAS_APIM_LATENCY_BREAKDOWN_STATS", c.DASLatency, "APIM_LATENCY_BREAKDOWN_STATS_1.0.0/APIM_LATENCY_BREAKDOWN_STATS.xml"},
		{"WSO2_DAS_APIM_LOGANALYZER_SCRIPT", c.DASLogAnalyzer, "APIM_LOGANALYZER_SCRIPT_1.0.0/APIM_LOGANALYZER_SCRIPT.xml"},
		{"WSO2_DAS_APIM_STAT_SCRIPT", c.DASStat, "APIM_STAT_SCRIPT_1.0.0/APIM_STAT_SCRIPT.xml"},
		{"WSO2_DAS_APIM_STAT_SCRIPT_THROTTLE", c.DASStatThrottle, "APIM_STAT_SCRIPT_THROTTLE_1.0.0/APIM_STAT_SCRIPT_THROTTLE.xml"},
		{"WSO2_DAS_APIM_USER_AGENT_STATS", c.DASUserAgent, "APIM_USER_AGENT_STATS_1.0.0/APIM_USER_AGENT_STATS.xml"},
	}
}

// planSchedules validates the seven schedules with Quartz semantics before
// anything is written, previews their next fire times, and plans the
// rewrite of every copy of the carbon app that exists. It reads and
// patches the archives at once (beside the file edits, see
// carbonProduct.after) and returns what records the result in the plan.
func (t *target) planSchedules() func(p *plan.Plan) error {
	fail := func(err error) func(*plan.Plan) error { return func(*plan.Plan) error { return err } }
	crons := map[string]string{}
	var problems []string
	var previews []plan.SchedulePreview
	for _, s := range DASScripts(t.cfg) {
		sched, err := quartz.Parse(s.Value)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %q is not a valid Quartz cron expression: %v", s.Variable, s.Value, err))
			continue
		}
		crons[s.Entry] = s.Value
		previews = append(previews, plan.SchedulePreview{Var: s.Variable, Expr: s.Value, Next: sched.NextN(plan.Now().UTC(), 3)})
	}
	if len(problems) > 0 {
		return fail(exitcode.Wrap(exitcode.Config, &contract.ConfigError{Problems: problems}))
	}
	// Both copies are usually the same archive: patch it once. A copy that
	// an earlier start wrote with these schedules is not opened (package
	// internal/fixpoint).
	type patched struct {
		path     string
		old, out []byte
		changes  []carbonapp.Change
		memo     *fixpoint.Key // the key of the patch on out (plan.FilePlan.Remember)
	}
	var cars []*patched
	var prev *patched
	for _, dir := range CarbonAppDirs {
		path := t.resolve(filepath.Join(dir, CarbonApp))
		old, err := boundedread.ReadFile(path, boundedread.Archive)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return fail(exitcode.Errorf(exitcode.NoInput, "read %s: %s", path, contract.DescribeFSError(err)))
		}
		c := &patched{path: path, old: old}
		switch {
		case prev != nil && bytes.Equal(prev.old, old):
			c.out, c.changes, c.memo = prev.out, prev.changes, prev.memo
		case fixpoint.Enabled() && fixpoint.Holds(path, carbonapp.PatchKey(old, crons)):
			// Written by an earlier start with these schedules: unchanged.
		default:
			c.out, c.changes, err = carbonapp.Patch(old, crons)
			if err != nil {
				return fail(exitcode.Wrap(exitcode.DataErr, fmt.Errorf("edit %s: %w", path, err)))
			}
			if c.out != nil && fixpoint.Enabled() {
				k := carbonapp.PatchKey(c.out, crons)
				c.memo = &k
			}
			prev = c
		}
		cars = append(cars, c)
	}
	var set []string // the schedules given through the environment
	for _, s := range DASScripts(t.cfg) {
		if _, ok := t.cfg.Getenv(s.Variable); ok {
			set = append(set, s.Variable)
		}
	}
	return func(p *plan.Plan) error {
		if len(cars) > 0 { // else nothing holds them: not shown as set
			p.Schedules = append(p.Schedules, previews...)
		}
		if len(cars) == 0 && len(set) > 0 {
			p.Warnings = append(p.Warnings, fmt.Sprintf("%s: not applied: the carbon app %s that holds the schedules is in none of %s",
				strings.Join(set, ", "), CarbonApp, strings.Join(CarbonAppDirs, ", ")))
		}
		for _, c := range cars {
			if c.out == nil {
				continue
			}
			f := p.File(c.path, "archive", c.old)
			f.New = c.out
			if c.memo != nil {
				f.Remember(*c.memo)
			}
			for _, ch := range c.changes {
				f.Changes = append(f.Changes, plan.Change{Target: ch.Entry + ":/Analytics/CronExpression", Op: "set", Old: ch.Old, New: ch.New})
			}
		}
		return nil
	}
}

// dasScheduleProblems checks the analytics profile's seven Quartz schedules
// at load, as jobs are checked: each must parse and must fire at least once
// more after now (no 30 February, no year that is over).
func dasScheduleProblems(c *contract.Config, _ *product.Profile) []string {
	var p []string
	for _, s := range DASScripts(c) {
		sched, err := quartz.Parse(s.Value)
		if err != nil {
			p = append(p, fmt.Sprintf("%s: %q is not a valid Quartz cron expression: %v", s.Variable, s.Value, err))
			continue
		}
		if _, ok := sched.Next(plan.Now()); !ok {
			p = append(p, fmt.Sprintf("%s: %q never fires (no such date, or its years are over); check it with agent cron", s.Variable, s.Value))
		}
	}
	return p
}
