package agent

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/boundedread"
	"github.com/wso2-container/agent/keystore"
)

// Config is the agent's whole environment contract. Every field names its
// variable explicitly; `desc` is what `agent env` prints; `secret:"true"`
// marks a value that is never logged or rendered and that also accepts
// NAME_FILE (Docker/Kubernetes secrets).
//
// Profile-dependent defaults (home, cluster members, wait targets) are not
// filled in: a field left unset stays unset, and the plan resolves it with
// the profile (productHome, Profile.Members, waitTargets); their
// `doc_default` tag says "per profile".
type Config struct {
	Profile string `envconfig:"WSO2_PROFILE" desc:"component profile: apim, gateway, gatewaymanager, publisher, store, trafficmanager, keymanager, identityserver, analytics, or none (no setup: run the given command as a plain init)"`
	Home    string `envconfig:"WSO2_HOME" doc_default:"per profile: /wso2am, /wso2is, /wso2analytics" desc:"product home (CARBON_HOME)"`

	AdminPassword    string `envconfig:"WSO2_ADMIN_PASSWORD" default:"admin" secret:"true" desc:"admin password: user-mgt.xml AdminUser and the log4j event appenders"`
	NewAdminPassword string `envconfig:"WSO2_NEW_ADMIN_PASSWORD" secret:"true" desc:"admin-password: the new password (default: WSO2_ADMIN_PASSWORD)"`
	AdminUser        string `envconfig:"WSO2_ADMIN_USERNAME" default:"admin" desc:"admin user name (user-mgt.xml AdminUser, admin-password job)"`

	MySQLServer   string `envconfig:"WSO2_MYSQL_SERVER" default:"mysql" desc:"MySQL host name, without the domain"`
	MySQLPort     Port   `envconfig:"WSO2_MYSQL_PORT" default:"3306" desc:"MySQL port"`
	MySQLUser     string `envconfig:"WSO2_MYSQL_USER" default:"apisqluser" desc:"MySQL user of every datasource"`
	MySQLPassword string `envconfig:"WSO2_MYSQL_PASSWORD" secret:"true" desc:"MySQL password of every datasource (required by every Carbon 4.4 profile)"`
	UserStoreDB   string `envconfig:"WSO2_USERSTORE_DB" default:"userdb" desc:"database of the user store: the WSO2UM_DB datasource of every profile and the admin-password job"`
	Domain        string `envconfig:"WSO2_DOMAIN" default:"wso2" desc:"network domain appended to service names (mysql.wso2); set it empty for no suffix"`

	CarbonAnalytics Bool   `envconfig:"WSO2_CARBON_ANALYTICS" default:"false" desc:"publish statistics to the analytics (DAS) server: api-manager.xml Analytics/Enabled, both ways"`
	AnalyticsHost   string `envconfig:"WSO2_ANALYTICS_HOST" default:"das" desc:"service name of the analytics (DAS) server: receiver and REST URLs in api-manager.xml"`
	KeyManagerHost  string `envconfig:"WSO2_KEYMANAGER_HOST" default:"identityserver" desc:"service name of the key manager (the Identity Server acts as key manager by default)"`
	TrafficMgrHost  string `envconfig:"WSO2_TRAFFICMANAGER_HOST" default:"trafficmanager" desc:"service name of the traffic manager: throttling data publisher and JMS broker"`
	GatewayMgrHost  string `envconfig:"WSO2_GATEWAYMANAGER_HOST" default:"gatewaymanager" desc:"service name of the gateway manager: publisher's gateway environment ServerURL"`
	GatewayHost     string `envconfig:"WSO2_GATEWAY_HOST" default:"gateway" desc:"service name of the gateway workers: default gateway endpoints"`
	StoreHost       string `envconfig:"WSO2_STORE_HOST" default:"store" desc:"service name of the store: the publisher's store URL"`
	GatewayEndpoint string `envconfig:"WSO2_GATEWAY_ENDPOINT" desc:"store: the gateway endpoint(s) shown to API consumers (api-manager.xml GatewayEndpoint)"`
	VirtualHost     string `envconfig:"VIRTUAL_HOST" desc:"identityserver: the public base URL, http(s)://host[:port][/path], written into identity.xml, sso-idp-config.xml and authenticators.xml"`
	HostName        string `envconfig:"WSO2_HOST_NAME" doc_default:"per profile: <service>.<domain>" desc:"carbon.xml HostName and MgtHostName"`
	ProxyPortHTTP   string `envconfig:"WSO2_PROXY_PORT_HTTP" desc:"catalina-server.xml proxyPort of the 9763 connector (unset: left as is)"`
	ProxyPortHTTPS  string `envconfig:"WSO2_PROXY_PORT_HTTPS" desc:"catalina-server.xml proxyPort of the 9443 connector (unset: left as is)"`

	DASIncremental  string `envconfig:"WSO2_DAS_APIM_INCREMENTAL_PROCESSING_SCRIPT" default:"0 0/2 * 1/1 * ?" desc:"analytics: Quartz schedule of APIM_INCREMENTAL_PROCESSING_SCRIPT"`
	DASLastAccess   string `envconfig:"WSO2_DAS_APIM_LAST_ACCESS_TIME_SCRIPT" default:"0 0/5 * 1/1 * ? *" desc:"analytics: Quartz schedule of APIM_LAST_ACCESS_TIME_SCRIPT"`
	DASLatency      string `envconfig:"WSO2_DAS_APIM_LATENCY_BREAKDOWN_STATS" default:"0 0/5 * 1/1 * ? *" desc:"analytics: Quartz schedule of APIM_LATENCY_BREAKDOWN_STATS"`
	DASLogAnalyzer  string `envconfig:"WSO2_DAS_APIM_LOGANALYZER_SCRIPT" default:"0 0/15 * 1/1 * ? *" desc:"analytics: Quartz schedule of APIM_LOGANALYZER_SCRIPT"`
	DASStat         string `envconfig:"WSO2_DAS_APIM_STAT_SCRIPT" default:"0 0/2 * 1/1 * ?" desc:"analytics: Quartz schedule of APIM_STAT_SCRIPT"`
	DASStatThrottle string `envconfig:"WSO2_DAS_APIM_STAT_SCRIPT_THROTTLE" default:"0 0/2 * 1/1 * ?" desc:"analytics: Quartz schedule of APIM_STAT_SCRIPT_THROTTLE"`
	DASUserAgent    string `envconfig:"WSO2_DAS_APIM_USER_AGENT_STATS" default:"0 0/2 * 1/1 * ?" desc:"analytics: Quartz schedule of APIM_USER_AGENT_STATS"`

	CertificatesDir    string `envconfig:"WSO2_CERTIFICATES_DIR" default:"/certificates" desc:"shared certificates folder: every component's PEM certificate (imported into the truststore) and this component's own keystore wso2<component>.jks"`
	KeystorePassword   string `envconfig:"WSO2_KEYSTORE_PASSWORD" default:"wso2carbon" secret:"true" desc:"password of the component's own keystore and of its private key"`
	TruststorePassword string `envconfig:"WSO2_TRUSTSTORE_PASSWORD" default:"wso2carbon" secret:"true" desc:"password of the truststore"`
	Truststore         string `envconfig:"WSO2_TRUSTSTORE" default:"repository/resources/security/client-truststore.jks" desc:"truststore the certificates are imported into (relative to WSO2_HOME, or absolute)"`

	ClusterMembers  List   `envconfig:"WSO2_CLUSTER_MEMBERS" doc_default:"per profile, e.g. tasks.gatewaymanager,tasks.gateway" desc:"DNS names whose addresses become the axis2.xml well-known members (empty: clustering off)"`
	LocalMemberHost string `envconfig:"WSO2_LOCAL_MEMBER_HOST" doc_default:"this container's address" desc:"axis2.xml localMemberHost"`
	ClusterDomain   string `envconfig:"WSO2_CLUSTER_DOMAIN" doc_default:"per profile, e.g. wso2.am.gateway.domain" desc:"axis2.xml clustering domain: members of one cluster share it"`
	MediatorDir     string `envconfig:"WSO2_MEDIATOR_DIR" default:"/wso2amserver/mediator" desc:"folder of extra mediator jars mirrored into repository/components/lib (missing: nothing to mirror)"`
	DeploymentSeed  string `envconfig:"WSO2_DEPLOYMENT_SEED" default:"/wso2amserver/server" desc:"image copy of repository/deployment/server used to seed an empty shared deployment volume (missing: no seeding)"`

	WaitFor        List     `envconfig:"WSO2_AGENT_WAIT_FOR" doc_default:"per profile: tcp://<mysql>:<port>" desc:"dependencies to wait for before the server starts: tcp://host:port, comma-separated; empty: no wait"`
	WaitTimeout    Duration `envconfig:"WSO2_AGENT_WAIT_TIMEOUT" default:"120s" desc:"give up waiting for WSO2_AGENT_WAIT_FOR after this long"`
	StopTimeout    Duration `envconfig:"WSO2_AGENT_STOP_TIMEOUT" default:"25s" desc:"after SIGTERM/SIGINT, SIGKILL the server's process group after this long"`
	LockTimeout    Duration `envconfig:"WSO2_AGENT_LOCK_TIMEOUT" default:"60s" desc:"wait this long for another agent setting up the same home (its lock file WSO2_HOME/.agent.lock) before failing with exit 75"`
	User           string   `envconfig:"WSO2_AGENT_USER" default:"wso2carbon" desc:"when the agent starts as root, the server (and jobs) run as this user"`
	Patches        List     `envconfig:"WSO2_AGENT_PATCHES" desc:"image builder's patch files (comma-separated), applied after the profile"`
	LogFormat      string   `envconfig:"WSO2_AGENT_LOG_FORMAT" default:"text" desc:"the agent's own log lines on stderr: text or json"`
	KeepSecretsEnv Bool     `envconfig:"WSO2_AGENT_KEEP_SECRETS_ENV" default:"false" desc:"pass the secret variables on to the server's environment"`
	Crontab        string   `envconfig:"WSO2_AGENT_CRONTAB" desc:"crontab-format file of jobs run beside the server"`
	CertSync       string   `envconfig:"WSO2_AGENT_CERT_SYNC" desc:"schedule (cron or @every) of a job that re-imports the certificates folder"`

	// setEmpty are the secret variables set to the empty string.
	setEmpty map[string]bool
	// environ is the environment Load read, as given (the server's and the
	// jobs' environment derive from it), and env the same as a map (the
	// first of duplicate names wins, as for getenv): every later question
	// about the environment is asked of these, never of the process (see
	// Getenv).
	environ []string
	env     map[string]string

	// What Load read and parsed for the setup of its profile, which
	// planning takes from here and never reads again: the patch files of
	// WSO2_AGENT_PATCHES, in order, and the API Manager 4.x variables of a
	// 4.x profile (nil for any other).
	patches []patchFile
	a4      *a4Inputs
	// jobs are the jobs Load declared (see loadJobs), which render
	// previews and run starts without reading a declaration again.
	jobs jobSet
}

// Getenv looks name up in the environment the configuration was loaded
// from.
func (c *Config) Getenv(name string) (string, bool) {
	v, ok := c.env[name]
	return v, ok
}

// withEnviron sets environ as the environment c answers Getenv from, and
// returns c: for the commands that read a few variables without loading the
// whole contract (health, certs), and for tests.
func (c *Config) withEnviron(environ []string) *Config {
	c.environ, c.env = slices.Clone(environ), envMap(environ)
	return c
}

// envMap maps an environment's names to their values; the first of
// duplicate names wins, as for getenv.
func envMap(environ []string) map[string]string {
	env := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if _, seen := env[k]; ok && !seen {
			env[k] = v
		}
	}
	return env
}

// decoder is what the non-string fields of Config implement (envtypes.go).
type decoder interface{ Decode(string) error }

// decodeFields fills c from lookup, field by field, as the tags say: an
// unset variable takes its `default` (none: the field keeps its zero
// value); a set one, even empty, is decoded. The decoders never fail (they
// keep their error for validate), so every bad variable is reported at once.
func (c *Config) decodeFields(lookup func(string) (string, bool)) {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := f.Tag.Get("envconfig")
		if name == "" {
			continue
		}
		val, ok := lookup(name)
		if !ok {
			if val = f.Tag.Get("default"); val == "" {
				continue
			}
		}
		fv := v.Field(i)
		if d, isDecoder := fv.Addr().Interface().(decoder); isDecoder {
			d.Decode(val) // never fails: see envtypes.go
			continue
		}
		if fv.Kind() != reflect.String {
			panic("agent: Config." + f.Name + ": a field is a string or a decoder")
		}
		fv.SetString(val)
	}
}

// Var describes one environment variable for `agent env` and the README.
//
// Its JSON form (agent env --json) uses lowercase keys, as render's does:
// {"name", "default", "secret", "meaning"}.
type Var struct {
	Name    string `json:"name"`
	Default string `json:"default"`
	Secret  bool   `json:"secret"`
	Desc    string `json:"meaning"`
}

// Vars lists every variable of Config in declaration order, plus the
// variables that are not fields (jobs). The caller owns the slice.
func Vars() []Var { return slices.Clone(contractVars()) }

// contractVars is the contract, read from Config's tags once per process
// (the warnings, the secret masking and the loader all ask for it).
var contractVars = sync.OnceValue(readVars)

func readVars() []Var {
	var out []Var
	t := reflect.TypeOf(Config{})
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Tag.Get("envconfig") == "" {
			continue
		}
		d := f.Tag.Get("default")
		if dd := f.Tag.Get("doc_default"); dd != "" {
			d = dd
		}
		out = append(out, Var{Name: f.Tag.Get("envconfig"), Default: d, Secret: f.Tag.Get("secret") == "true", Desc: f.Tag.Get("desc")})
	}
	out = withAPIM4Vars(out)
	out = append(out, Var{Name: "WSO2_AGENT_JOB_<NAME>", Desc: "a job run beside the server: \"<schedule> <command line>\" (cron with optional seconds, or @every/@daily)"})
	return out
}

// secretNames returns the variable names marked secret.
var secretNames = sync.OnceValue(func() []string {
	var out []string
	for _, v := range contractVars() {
		if v.Secret {
			out = append(out, v.Name)
		}
	}
	return out
})

// IsSecretName reports whether an environment variable name holds a secret:
// one of the agent's secret variables, or any name ending in PASSWORD.
func IsSecretName(name string) bool {
	n := strings.TrimSuffix(strings.ToUpper(name), "_FILE")
	if strings.HasSuffix(n, "PASSWORD") || strings.HasSuffix(n, "SECRET") || strings.HasSuffix(n, "TOKEN") {
		return true
	}
	for _, s := range secretNames() {
		if s == n {
			return true
		}
	}
	return false
}

// ConfigError lists every problem found while loading the environment.
type ConfigError struct{ Problems []string }

func (e *ConfigError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0]
	}
	return fmt.Sprintf("%d configuration errors: %s", len(e.Problems), strings.Join(e.Problems, "; "))
}

// LoadEnv is Load of the process environment, which it reads once: each
// command that loads its configuration calls it once, and nothing after it
// asks the process. The WSO2_ variables of that environment which the agent
// does not read are logged to log first (see unknownVarWarnings), so that a
// misspelt variable is named even when the load then fails.
func LoadEnv(log *slog.Logger, requireProfile bool) (*Config, error) {
	environ := os.Environ()
	for _, w := range unknownVarWarnings(environ) {
		log.Warn(w)
	}
	return Load(environ, requireProfile)
}

// Load reads Config from environ (KEY=VALUE entries, as os.Environ returns
// them), once: everything after it asks the Config (Getenv), never the
// process. NAME_FILE variants of secrets are read first (one trailing
// newline trimmed); setting both NAME and NAME_FILE is an error. With
// requireProfile (the commands that set the profile up: render, run) and a
// profile other than none, Load also reads and parses the patch files of
// WSO2_AGENT_PATCHES and, for an API Manager 4.x profile, the 4.x
// variables (their role is the profile's, so no product home is needed);
// planning uses what Load parsed and reads neither again. Every Load also
// declares the jobs (WSO2_AGENT_JOB_<NAME>, the crontab file of
// WSO2_AGENT_CRONTAB, WSO2_AGENT_CERT_SYNC) and resolves their commands on
// the PATH; render previews and run starts those jobs, and neither reads a
// declaration, the crontab or the PATH again. Every problem — variable,
// secret file, patch file (with its line), 4.x variable, job — is reported
// at once, one line each, as a *ConfigError wrapped with exitcode.Config,
// before anything is planned or written. Profile defaults (home, cluster
// members, wait targets) are not filled into the Config: the plan asks
// productHome, the profile and waitTargets. With requireProfile false (jobs
// such as admin-password), WSO2_PROFILE may be unset.
func Load(environ []string, requireProfile bool) (*Config, error) {
	c := (&Config{}).withEnviron(environ)
	var problems []string
	fileVals := map[string]string{}
	for _, name := range secretNames() {
		path, ok := c.Getenv(name + "_FILE")
		if !ok {
			continue
		}
		if _, both := c.Getenv(name); both {
			problems = append(problems, fmt.Sprintf("%s and %s_FILE are both set: use one", name, name))
			continue
		}
		b, err := boundedread.ReadFile(path, boundedread.Secret)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s_FILE: read %s: %s", name, path, describeFSError(err)))
			continue
		}
		if bytes.IndexByte(b, 0) >= 0 {
			problems = append(problems, fmt.Sprintf("%s_FILE: %s holds a NUL byte, which no password can contain", name, path))
			continue
		}
		v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if v == "" {
			// An empty secret file is a secret that was not mounted or
			// not written, never a password.
			problems = append(problems, fmt.Sprintf("%s_FILE: %s is empty", name, path))
			continue
		}
		fileVals[name] = v
	}
	c.decodeFields(func(name string) (string, bool) {
		if v, ok := fileVals[name]; ok {
			return v, true
		}
		return c.Getenv(name)
	})
	// Registered before anything is validated: no error line may show them.
	resetLogSecrets()
	for _, v := range []string{c.AdminPassword, c.NewAdminPassword, c.MySQLPassword, c.KeystorePassword, c.TruststorePassword} {
		registerLogSecret(v)
	}
	for _, v := range fileVals {
		registerLogSecret(v)
	}
	registerEnvSecrets(environ)
	c.setEmpty = c.setButEmpty(secretNames())
	problems = append(problems, c.validate(requireProfile)...)
	var jobProblems []string
	c.jobs, jobProblems = c.loadJobs() // after validate, which settles the profile
	problems = append(problems, jobProblems...)
	if requireProfile {
		problems = append(problems, c.loadSetupInputs(fileVals)...)
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, exitcode.Wrap(exitcode.Config, &ConfigError{Problems: problems})
	}
	return c, nil
}

// loadSetupInputs reads and parses, into c, what the setup of c.Profile
// takes beside the variables: the patch files (for any WSO2_PROFILE but
// none, also a missing or unknown one, so that their problems are reported
// with the profile's) and, for an API Manager 4.x profile, the 4.x
// variables, whose secrets given as NAME_FILE have the values Load read
// (secretFiles). It returns one line per problem.
func (c *Config) loadSetupInputs(secretFiles map[string]string) []string {
	if c.Profile == profileNone {
		return nil
	}
	var p []string
	c.patches, p = c.loadPatches()
	if prof, ok := lookupProfile(c.Profile); ok && prof.product() != nil {
		p = append(p, prof.product().loadSetup(c, prof, secretFiles)...)
	}
	return p
}

// validate returns one line per bad variable. Values of secrets are never
// included.
func (c *Config) validate(requireProfile bool) []string {
	var p []string
	add := func(name string, err error) {
		if err != nil {
			p = append(p, fmt.Sprintf("%s: %v", name, err))
		}
	}
	add("WSO2_MYSQL_PORT", c.MySQLPort.Err)
	add("WSO2_CARBON_ANALYTICS", c.CarbonAnalytics.Err)
	add("WSO2_AGENT_WAIT_TIMEOUT", c.WaitTimeout.Err)
	add("WSO2_AGENT_STOP_TIMEOUT", c.StopTimeout.Err)
	add("WSO2_AGENT_LOCK_TIMEOUT", c.LockTimeout.Err)
	add("WSO2_AGENT_KEEP_SECRETS_ENV", c.KeepSecretsEnv.Err)
	if c.Profile == "" && requireProfile {
		c.Profile = apim4AutoProfile(c) // a 4.x pack is its own component
	}
	if c.Profile == "" && !requireProfile {
		// nothing to check
	} else if c.Profile == "" {
		p = append(p, "WSO2_PROFILE: not set (one of: "+strings.Join(ProfileNames(), ", ")+")")
	} else if _, ok := lookupProfile(c.Profile); !ok {
		p = append(p, fmt.Sprintf("WSO2_PROFILE: unknown profile %q (one of: %s)", c.Profile, strings.Join(ProfileNames(), ", ")))
	}
	switch strings.ToLower(c.LogFormat) {
	case "text", "json":
	default:
		p = append(p, fmt.Sprintf("WSO2_AGENT_LOG_FORMAT: %q is not text or json", c.LogFormat))
	}
	if prof, ok := lookupProfile(c.Profile); ok && c.Profile != "" {
		p = append(p, c.valueProblems(prof)...)
	} else {
		p = append(p, c.valueProblems(nil)...)
		if c.MySQLServer != "" || c.Profile == "" {
			full := c.MySQLServer
			if c.Domain != "" && full != "" && net.ParseIP(full) == nil {
				full += "." + c.Domain // as the admin-password job connects
			}
			if err := checkHostName(full, false); err != nil {
				p = append(p, fmt.Sprintf("WSO2_MYSQL_SERVER: %q is not a host name: %v", c.MySQLServer, err))
			}
		}
	}
	for name, v := range map[string]string{"WSO2_PROXY_PORT_HTTP": c.ProxyPortHTTP, "WSO2_PROXY_PORT_HTTPS": c.ProxyPortHTTPS} {
		// Written as the attribute's text: a plain decimal port, nothing else.
		if n, err := strconv.Atoi(v); v != "" && (err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != v) {
			p = append(p, fmt.Sprintf("%s: %q is not a port number (1-65535)", name, v))
		}
	}
	if !isDBName(c.UserStoreDB) {
		p = append(p, fmt.Sprintf("WSO2_USERSTORE_DB: %q is not a database name (letters, digits, '_', '$', '-')", c.UserStoreDB))
	}
	if err := checkDomain(c.Domain); err != nil {
		p = append(p, fmt.Sprintf("WSO2_DOMAIN: %q is not a domain name: %v", c.Domain, err))
	}
	for name, pw := range map[string]string{"WSO2_KEYSTORE_PASSWORD": c.KeystorePassword, "WSO2_TRUSTSTORE_PASSWORD": c.TruststorePassword} {
		if _, err := keystore.JavaPassword(pw); err != nil {
			p = append(p, fmt.Sprintf("%s: %v", name, err))
		}
	}
	for _, w := range c.WaitFor.V {
		if _, err := parseWaitTarget(w); err != nil {
			p = append(p, fmt.Sprintf("WSO2_AGENT_WAIT_FOR: %v", err))
		}
	}
	return p
}

// checkBaseURL reports why s cannot be the Identity Server's public base
// URL, which is written verbatim in front of its endpoint paths (B5, B31:
// the old README's "https:// identityserver.local.com" broke every URL).
func checkBaseURL(s string) error {
	if err := checkHTTPURL(s); err != nil {
		return err
	}
	// checkHTTPURL parsed it: what a base URL adds is that nothing may
	// follow its path.
	if u, _ := url.Parse(s); u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return errors.New("is not a base URL (no query or fragment)")
	}
	return nil
}

// isDBName reports whether s is a non-empty database name that needs no
// quoting in a JDBC URL path: letters, digits, '_', '$' and '-'.
func isDBName(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '$', r == '-':
		default:
			return false
		}
	}
	return s != ""
}

// describeFSError shortens an *fs.PathError to its cause.
func describeFSError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// SecretEnvNames returns the environment names that must not reach the
// server: every secret variable and its _FILE form.
func SecretEnvNames() []string {
	var out []string
	for _, n := range secretNames() {
		out = append(out, n, n+"_FILE")
	}
	return out
}
