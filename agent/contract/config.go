package contract

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/wso2-container/agent/agent/jobs"
	"github.com/wso2-container/agent/internal/boundedread"
	"github.com/wso2-container/agent/keystore"
	"github.com/wso2-container/agent/xmlconf"
)

// Config is the agent's whole environment contract. Every field names its
// variable explicitly; `desc` is what `agent env` prints; `secret:"true"`
// marks a value that is never logged or rendered and that also accepts
// NAME_FILE (Docker/Kubernetes secrets).
//
// Profile-dependent defaults (home, cluster members, wait targets) are not
// filled in: a field left unset stays unset, and the plan resolves it with
// the profile (product.Home, Profile.Members, WaitTargets); their
// `doc_default` tag says "per profile".
type Config struct {
	Profile string `envconfig:"WSO2_PROFILE" desc:"component profile: apim, gateway, gatewaymanager, publisher, store, trafficmanager, keymanager, identityserver, analytics, or none (no setup: run the given command as a plain init)"`
	Home    string `envconfig:"WSO2_HOME" doc_default:"per profile: /wso2am, /wso2is, /wso2analytics" desc:"product home (CARBON_HOME)"`

	AdminPassword    string `envconfig:"WSO2_ADMIN_PASSWORD" default:"admin" secret:"true" desc:"admin password: user-mgt.xml AdminUser and the log4j event appenders"`
	NewAdminPassword string `envconfig:"WSO2_NEW_ADMIN_PASSWORD" secret:"true" desc:"admin-password: the new password (default: WSO2_ADMIN_PASSWORD)"`
	AdminUser        string `envconfig:"WSO2_ADMIN_USERNAME" default:"admin" desc:"admin user name (user-mgt.xml AdminUser, the log4j event appenders, admin-password job)"`

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
	MediatorDir     string `envconfig:"WSO2_MEDIATOR_DIR" default:"/wso2amserver/mediator" desc:"folder of extra mediator jars mirrored into repository/components/lib (missing: nothing to mirror, with a warning when it is set)"`
	DeploymentSeed  string `envconfig:"WSO2_DEPLOYMENT_SEED" default:"/wso2amserver/server" desc:"image copy of repository/deployment/server used to seed an empty shared deployment volume (missing: no seeding)"`

	WaitFor        List     `envconfig:"WSO2_AGENT_WAIT_FOR" doc_default:"per profile: tcp://<mysql>:<port>" desc:"dependencies to wait for before the server starts: tcp://host:port, comma-separated; empty: no wait"`
	WaitTimeout    Duration `envconfig:"WSO2_AGENT_WAIT_TIMEOUT" default:"120s" desc:"give up waiting for WSO2_AGENT_WAIT_FOR after this long (a duration such as 90s or 2m, or a number of seconds; 0: one round of dials)"`
	StopTimeout    Duration `envconfig:"WSO2_AGENT_STOP_TIMEOUT" default:"25s" desc:"after SIGTERM/SIGINT, SIGKILL the server's process group after this long (as WSO2_AGENT_WAIT_TIMEOUT; 0: at once)"`
	LockTimeout    Duration `envconfig:"WSO2_AGENT_LOCK_TIMEOUT" default:"60s" desc:"wait this long for another agent setting up the same home (its lock file WSO2_HOME/.agent.lock) before failing with exit 75 (as WSO2_AGENT_WAIT_TIMEOUT; 0: try once)"`
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
	// WSO2_AGENT_PATCHES, in order, and what the profile's product read
	// beyond the contract's fields (the API Manager 4.x variables of a 4.x
	// profile; nil for any other), which only that product interprets.
	PatchFiles   []PatchFile
	ProductSetup any
	// Jobs are the jobs Load declared, which render previews and run
	// starts without reading a declaration again.
	Jobs JobSet
	// ReportWarnings are warnings of the load that the command shows in
	// its plan's report instead of logging them (render: the misspelt
	// variables, see pipeline.LoadEnvForReport); the plan starts with them.
	ReportWarnings []string
}

// PatchFile is one parsed patch file of WSO2_AGENT_PATCHES.
type PatchFile struct {
	Name  string              // as WSO2_AGENT_PATCHES names it
	Files []xmlconf.FilePatch // its edits, file by file
}

// At names a line of the patch file in an error, as the errors Load finds
// in it do: "WSO2_AGENT_PATCHES: NAME:LINE".
func (f PatchFile) At(line int) string {
	return fmt.Sprintf("WSO2_AGENT_PATCHES: %s:%d", f.Name, line)
}

// JobSet is the jobs of an environment, declared once at load.
type JobSet struct {
	// List holds the jobs of the WSO2_AGENT_JOB_<NAME> variables, of the
	// crontab file and the certificate sync, in that order, each command
	// job with its executable resolved (Job.Path).
	List []*jobs.Job
	// Dir is the working directory of every job, the one the commands
	// were resolved from.
	Dir string
}

// Getenv looks name up in the environment the configuration was loaded
// from.
func (c *Config) Getenv(name string) (string, bool) {
	v, ok := c.env[name]
	return v, ok
}

// Environ returns the environment c was loaded from, as given. The caller
// must not modify it.
func (c *Config) Environ() []string { return c.environ }

// SetEmpty reports whether the variable name is set to the empty string in
// the loaded environment (one of the secret variables, see Decode).
func (c *Config) SetEmpty(name string) bool { return c.setEmpty[name] }

// WithEnviron sets environ as the environment c answers Getenv from, and
// returns c: for the commands that read a few variables without loading the
// whole contract (health, certs), and for tests.
func (c *Config) WithEnviron(environ []string) *Config {
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
// keep their error for Config.Problems), so every bad variable is reported at once.
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
			panic("contract: Config." + f.Name + ": a field is a string or a decoder")
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
	// Scope names the only product that reads the variable (ScopeAPIM4);
	// empty: every product, or those Config's fields serve.
	Scope string `json:"-"`
	// Document marks a secret variable that holds a document (a TOML
	// fragment), not a password: its NAME_FILE may be as large as a text
	// file (FileLimit).
	Document bool `json:"-"`
}

// FileLimit is the largest NAME_FILE the agent reads for the secret
// variable name: a text file's for a Document, a password's otherwise.
func FileLimit(name string) int64 {
	for _, v := range contractVars() {
		if v.Name == name && v.Document {
			return boundedread.Text
		}
	}
	return boundedread.Secret
}

// ScopeAPIM4 is the Scope of the variables only API Manager 4.x reads.
const ScopeAPIM4 = "API Manager 4.x"

// CarbonTo4x maps the Carbon 4.4 variables that have an API Manager 4.x
// counterpart of another name to it, for the warnings that suggest the
// other name when one product's variable is set for the other.
var CarbonTo4x = map[string]string{
	"WSO2_HOST_NAME":  "WSO2_HOSTNAME",
	"WSO2_TRUSTSTORE": "WSO2_TRUSTSTORE_NAME",
}

// FourxToCarbon is CarbonTo4x the other way round.
var FourxToCarbon = func() map[string]string {
	m := map[string]string{}
	for carbon, v4 := range CarbonTo4x {
		m[v4] = carbon
	}
	return m
}()

// UnreadWarning is the one warning for the variables of set, which only
// another product reads: "A, B: set, but nothing in SETUP reads them (they
// configure OTHER); on ON use X instead of A", the last part for those
// that rename (CarbonTo4x, FourxToCarbon) gives this product's name of.
func UnreadWarning(set []string, setup, other, on string, rename map[string]string) string {
	them := "them (they configure"
	if len(set) == 1 {
		them = "it (it configures"
	}
	w := strings.Join(set, ", ") + ": set, but nothing in " + setup + " reads " + them + " " + other + ")"
	var instead []string
	for _, n := range set {
		if to, ok := rename[n]; ok {
			instead = append(instead, to+" instead of "+n)
		}
	}
	if len(instead) > 0 {
		w += "; on " + on + " use " + strings.Join(instead, ", ")
	}
	return w
}

// SetScoped returns the variables of scope (Var.Scope) that are set, not
// empty, in c's environment (a secret's NAME_FILE as itself), in the
// contract's order.
func (c *Config) SetScoped(scope string) []string {
	var out []string
	for _, v := range contractVars() {
		if v.Scope != scope {
			continue
		}
		if val, _ := c.Getenv(v.Name); val != "" {
			out = append(out, v.Name)
		} else if file, _ := c.Getenv(v.Name + "_FILE"); v.Secret && file != "" {
			out = append(out, v.Name+"_FILE")
		}
	}
	return out
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
		if f.Name == "Home" {
			// Not a field: product.Home reads it through Getenv, so that
			// the commands that load only part of the environment (health,
			// admin-password) find the home the same way.
			out = append(out, Var{Name: ServerHomeVar, Desc: "product home when WSO2_HOME is unset and the profile has no default home (API Manager 4.x): WSO2's own images set it"})
		}
	}
	for _, ext := range varExtensions {
		out = ext(out)
	}
	out = append(out, Var{Name: "WSO2_AGENT_JOB_<NAME>", Desc: "a job run beside the server: \"<schedule> <command line>\" (cron with optional seconds, or @every/@daily)"})
	return out
}

// ServerHomeVar names the product home of WSO2's own images, read when
// WSO2_HOME is unset and the profile has no default home.
const ServerHomeVar = "WSO2_SERVER_HOME"

// varExtensions add the variables a product reads beyond Config's fields
// to the contract (see ExtendVars).
var varExtensions []func([]Var) []Var

// ExtendVars registers ext, which adds a product's own variables to the
// contract's list (Vars, agent env, the unknown-variable warnings, the
// secret masking). It must be called from an init function, before any of
// those is asked.
func ExtendVars(ext func([]Var) []Var) { varExtensions = append(varExtensions, ext) }

// SecretNames returns the variable names marked secret, the products'
// included; the caller must not modify the slice.
func SecretNames() []string { return secretNames() }

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
	return strings.HasSuffix(n, "PASSWORD") || strings.HasSuffix(n, "SECRET") || strings.HasSuffix(n, "TOKEN") || secretNameSet()[n]
}

// ConfigError lists every problem found while loading the environment.
type ConfigError struct{ Problems []string }

func (e *ConfigError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0]
	}
	return fmt.Sprintf("%d configuration errors: %s", len(e.Problems), strings.Join(e.Problems, "; "))
}

// Problems returns one line per variable whose value the contract itself
// rejects, whatever the profile: a value that does not decode, an unknown
// log format, a proxy port, database or domain name, a Java password, a
// wait target. Values of secrets are never included.
func (c *Config) Problems() []string {
	var p []string
	add := func(name string, err error) {
		if err != nil {
			p = append(p, fmt.Sprintf("%s: %v", name, err))
		}
	}
	add("WSO2_MYSQL_PORT", c.MySQLPort.Err)
	add("WSO2_AGENT_WAIT_TIMEOUT", c.WaitTimeout.Err)
	add("WSO2_AGENT_STOP_TIMEOUT", c.StopTimeout.Err)
	add("WSO2_AGENT_LOCK_TIMEOUT", c.LockTimeout.Err)
	add("WSO2_AGENT_KEEP_SECRETS_ENV", c.KeepSecretsEnv.Err)
	switch strings.ToLower(c.LogFormat) {
	case "text", "json":
	default:
		p = append(p, fmt.Sprintf("WSO2_AGENT_LOG_FORMAT: %q is not text or json", c.LogFormat))
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
	if err := CheckDomain(c.Domain); err != nil {
		p = append(p, fmt.Sprintf("WSO2_DOMAIN: %q is not a domain name: %v", c.Domain, err))
	}
	for name, pw := range map[string]string{"WSO2_KEYSTORE_PASSWORD": c.KeystorePassword, "WSO2_TRUSTSTORE_PASSWORD": c.TruststorePassword} {
		if _, err := keystore.JavaPassword(pw); err != nil {
			p = append(p, fmt.Sprintf("%s: %v", name, err))
		}
	}
	for _, w := range c.WaitFor.V {
		if _, err := ParseWaitTarget(w); err != nil {
			p = append(p, fmt.Sprintf("WSO2_AGENT_WAIT_FOR: %v", err))
		}
	}
	return p
}

// ServiceHost is the host name a service name becomes: name.WSO2_DOMAIN,
// or name as it is when WSO2_DOMAIN is empty, name is empty or an IP
// address. Every service a product writes or connects to is named so.
func (c *Config) ServiceHost(name string) string {
	if c.Domain == "" || name == "" || net.ParseIP(name) != nil {
		return name
	}
	return name + "." + c.Domain
}

// MySQLServerProblem checks WSO2_MYSQL_SERVER as the admin-password job
// connects to it (with WSO2_DOMAIN appended), for a command without a
// profile's setup.
func (c *Config) MySQLServerProblem() []string {
	if c.MySQLServer == "" && c.Profile != "" {
		return nil
	}
	if err := CheckHostName(c.ServiceHost(c.MySQLServer), false); err != nil {
		return []string{fmt.Sprintf("WSO2_MYSQL_SERVER: %q is not a host name: %v", c.MySQLServer, err)}
	}
	return nil
}

// Decode fills c from its environment, field by field as the tags say,
// with the values of secrets given as NAME_FILE taken from fileVals (see
// decodeFields), and records which secret variables are set but empty.
func (c *Config) Decode(fileVals map[string]string) {
	c.decodeFields(func(name string) (string, bool) {
		if v, ok := fileVals[name]; ok {
			return v, true
		}
		return c.Getenv(name)
	})
	c.setEmpty = c.setButEmpty(SecretNames())
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

// DescribeFSError shortens an *fs.PathError to its cause.
func DescribeFSError(err error) string {
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
	for _, n := range SecretNames() {
		out = append(out, n, n+"_FILE")
	}
	return out
}
