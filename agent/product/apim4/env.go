package apim4

// The API Manager 4.x environment contract: one variable per Helm value of
// WSO2's 4.5 charts that varies per component, each setting fixed
// deployment.toml keys. The names are the contract (tests and users depend
// on them); Vars is the single list that `agent env`, the README table and
// the loader are made from.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/internal/boundedread"
	"github.com/wso2-container/agent/tomlconf"
)

// EnvVar is one 4.x variable.
type EnvVar struct {
	Name   string
	Secret bool   // never shown; NAME_FILE accepted; withheld from the server
	Doc    bool   // a secret that is a document, not a password (contract.Var.Document)
	File   bool   // NAME_FILE accepted although not secret
	TOML   string // the deployment.toml key(s) it sets
	Helm   string // the Helm value (wso2/helm-apim distributed/*, 4.5.0-x) it replaces
	Desc   string
}

// Vars lists every 4.x variable in README order.
var Vars = []EnvVar{
	{Name: "WSO2_HOSTNAME", TOML: "`[server] hostname`; control plane and all-in-one also `[apim.devportal] url = \"https://HOST/devportal\"`", Helm: "`kubernetes.ingress.*.hostname`", Desc: "public host name of the component"},
	{Name: "WSO2_PORT_OFFSET", TOML: "`[server] offset` (integer)", Helm: "`wso2.apim.portOffset`", Desc: "port offset of this component (0-55000)"},
	{Name: "WSO2_NODE_IP", TOML: "`[server] node_ip`", Helm: "`NODE_IP` (pod IP)", Desc: "the node's address (default: keep $env{NODE_IP} when the file has it, the agent then sets NODE_IP for the server if unset; else the container's address)"},
	{Name: "WSO2_ADMIN_USERNAME", TOML: "`[super_admin] username`", Helm: "`wso2.apim.configurations.adminUsername`", Desc: "admin user name"},
	{Name: "WSO2_ADMIN_PASSWORD", Secret: true, TOML: "`[super_admin] password`", Helm: "`wso2.apim.configurations.adminPassword`", Desc: "admin password"},
	{Name: "WSO2_APIM_DB_URL", TOML: "`[database.apim_db] url`, and `type` + `driver` from the JDBC URL", Helm: "`databases.apim_db.url`", Desc: "JDBC URL of apim_db (mysql, postgresql, sqlserver, oracle, h2)"},
	{Name: "WSO2_APIM_DB_USERNAME", TOML: "`[database.apim_db] username`", Helm: "`databases.apim_db.username`", Desc: "apim_db user"},
	{Name: "WSO2_APIM_DB_PASSWORD", Secret: true, TOML: "`[database.apim_db] password`", Helm: "`databases.apim_db.password`", Desc: "apim_db password"},
	{Name: "WSO2_SHARED_DB_URL", TOML: "`[database.shared_db] url`, and `type` + `driver` from the JDBC URL", Helm: "`databases.shared_db.url`", Desc: "JDBC URL of shared_db"},
	{Name: "WSO2_SHARED_DB_USERNAME", TOML: "`[database.shared_db] username`", Helm: "`databases.shared_db.username`", Desc: "shared_db user"},
	{Name: "WSO2_SHARED_DB_PASSWORD", Secret: true, TOML: "`[database.shared_db] password`", Helm: "`databases.shared_db.password`", Desc: "shared_db password"},
	{Name: "WSO2_DB_TYPE", TOML: "`[database.apim_db]` and `[database.shared_db]` `type`", Helm: "`databases.type`", Desc: "database type instead of the one derived from the JDBC URL"},
	{Name: "WSO2_DB_DRIVER", TOML: "`[database.apim_db]` and `[database.shared_db]` `driver`", Helm: "`databases.jdbc.driver`", Desc: "JDBC driver class instead of the one derived from the JDBC URL"},
	{Name: "WSO2_KEYSTORE_PASSWORD", Secret: true, TOML: "default of every `[keystore.*] password` and `key_password` below", Helm: "`security.keystores.*.password`", Desc: "default password of the keystores (applied to the keystore tables the file has or another WSO2_KEYSTORE_* variable names)"},
	{Name: "WSO2_KEYSTORE_PRIMARY_NAME", TOML: "`[keystore.primary] file_name`", Helm: "`security.keystores.primary.name`", Desc: "primary keystore file (in repository/resources/security)"},
	{Name: "WSO2_KEYSTORE_PRIMARY_ALIAS", TOML: "`[keystore.primary] alias`", Helm: "`security.keystores.primary.alias`", Desc: "primary keystore key alias"},
	{Name: "WSO2_KEYSTORE_PRIMARY_PASSWORD", Secret: true, TOML: "`[keystore.primary] password`, and `key_password` unless WSO2_KEYSTORE_PRIMARY_KEY_PASSWORD is set", Helm: "`security.keystores.primary.password`", Desc: "primary keystore password"},
	{Name: "WSO2_KEYSTORE_PRIMARY_KEY_PASSWORD", Secret: true, TOML: "`[keystore.primary] key_password`", Helm: "`security.keystores.primary.keyPassword`", Desc: "primary keystore key password"},
	{Name: "WSO2_KEYSTORE_TLS_NAME", TOML: "`[keystore.tls] file_name`", Helm: "`security.keystores.tls.name`", Desc: "TLS keystore file"},
	{Name: "WSO2_KEYSTORE_TLS_ALIAS", TOML: "`[keystore.tls] alias`", Helm: "`security.keystores.tls.alias`", Desc: "TLS keystore key alias"},
	{Name: "WSO2_KEYSTORE_TLS_PASSWORD", Secret: true, TOML: "`[keystore.tls] password`, and `key_password` unless WSO2_KEYSTORE_TLS_KEY_PASSWORD is set", Helm: "`security.keystores.tls.password`", Desc: "TLS keystore password"},
	{Name: "WSO2_KEYSTORE_TLS_KEY_PASSWORD", Secret: true, TOML: "`[keystore.tls] key_password`", Helm: "`security.keystores.tls.keyPassword`", Desc: "TLS keystore key password"},
	{Name: "WSO2_KEYSTORE_INTERNAL_NAME", TOML: "`[keystore.internal] file_name`", Helm: "`security.keystores.internal.name`", Desc: "internal keystore file"},
	{Name: "WSO2_KEYSTORE_INTERNAL_ALIAS", TOML: "`[keystore.internal] alias`", Helm: "`security.keystores.internal.alias`", Desc: "internal keystore key alias"},
	{Name: "WSO2_KEYSTORE_INTERNAL_PASSWORD", Secret: true, TOML: "`[keystore.internal] password`, and `key_password` unless WSO2_KEYSTORE_INTERNAL_KEY_PASSWORD is set", Helm: "`security.keystores.internal.password`", Desc: "internal keystore password"},
	{Name: "WSO2_KEYSTORE_INTERNAL_KEY_PASSWORD", Secret: true, TOML: "`[keystore.internal] key_password`", Helm: "`security.keystores.internal.keyPassword`", Desc: "internal keystore key password"},
	{Name: "WSO2_TRUSTSTORE_NAME", TOML: "`[truststore] file_name`", Helm: "`security.truststore.name`", Desc: "truststore file (the certificates folder is imported into it)"},
	{Name: "WSO2_TRUSTSTORE_PASSWORD", Secret: true, TOML: "`[truststore] password`", Helm: "`security.truststore.password`", Desc: "truststore password"},
	{Name: "WSO2_KM_TYPE", TOML: "`[apim.key_manager] type`; with `WSO2-IS` also, as the charts: control plane, all-in-one and gateway `[oauth.grant_type.token_exchange]` (`enable = false`, `allow_refresh_tokens = true`, `iat_validity_period = \"1h\"`), control plane, all-in-one and traffic manager `[apim.oauth_config] revoke_endpoint` (the key manager's `/oauth2/revoke`), and on a control plane or all-in-one the `[[event_listener]]` `token_revocation` removed", Helm: "`iskm.enabled` (`WSO2-IS`)", Desc: "key manager type: WSO2-IS (Identity Server as key manager; needs WSO2_KM_SERVICE_URL) or default"},
	{Name: "WSO2_KM_SERVICE_URL", TOML: "`[apim.key_manager] service_url`", Helm: "`km.serviceUrl` / `km.serviceName` + `servicePort`", Desc: "key manager: URL, host:port or host (https://HOST:9443/services/)"},
	{Name: "WSO2_EVENTHUB_SERVICE_URL", TOML: "`[apim.event_hub] service_url` and `enable = true`", Helm: "`eventhub.serviceUrl`", Desc: "event hub (control plane): URL, host:port or host"},
	{Name: "WSO2_EVENTHUB_URLS", TOML: "gateway, traffic manager: `[apim.event_hub] event_listening_endpoints` (`tcp://H:5672`, or each entry's URL or host:port); control plane: one `[[apim.event_hub.publish.url_group]]` per host (`urls = [\"tcp://H:9611\"]`, `auth_urls = [\"ssl://H:9711\"]`, plus the port offset)", Helm: "`eventhub.urls` (gateway, traffic manager); on a control plane the chart's own services `<release>-1-service`, `-2-service` (with `highAvailability`)", Desc: "control-plane hosts, comma-separated: on a gateway or traffic manager each a URL, host:port or host (tcp://HOST:5672); on a control plane host names only (each yields two URLs)"},
	{Name: "WSO2_THROTTLING_SERVICE_URL", TOML: "`[apim.throttling] service_url`", Helm: "`throttling.serviceUrl` + `servicePort`", Desc: "traffic manager: URL, host:port or host"},
	{Name: "WSO2_THROTTLING_URLS", TOML: "`[apim.throttling] throttle_decision_endpoints` (`tcp://H:5672`) and one `[[apim.throttling.url_group]]` per host (`traffic_manager_urls = [\"tcp://H:9611\"]`, `traffic_manager_auth_urls = [\"ssl://H:9711\"]`, `type = \"loadbalance\"`), ports plus WSO2_THROTTLING_PORT_OFFSET", Helm: "`throttling.urls`", Desc: "traffic-manager hosts, comma-separated (host names only)"},
	{Name: "WSO2_EVENT_DUPLICATE_URLS", TOML: "control plane: `[apim.event_hub] event_duplicate_url`; traffic manager and all-in-one: `[apim.throttling] event_duplicate_url` (`tcp://H:5672`, or each entry's URL or host:port)", Helm: "`wso2.deployment.highAvailability` (the other instance's service)", Desc: "the other instance(s) of a highly available pair, comma-separated, each a URL, host:port or host (tcp://HOST:5672 plus this component's port offset): the events this instance receives are copied to them (not on a gateway or key manager)"},
	{Name: "WSO2_THROTTLING_PORT_OFFSET", TOML: "(the port offset of the traffic-manager URLs)", Helm: "`throttling.portOffset`", Desc: "port offset of the traffic managers (0-55000, default 0)"},
	{Name: "WSO2_GATEWAY_ENVIRONMENTS", TOML: "one `[[apim.gateway.environment]]` per entry", Helm: "`gateway.environments`", Desc: "JSON array of gateway environments with the chart's field names (name, type, gatewayType, provider, visibility, displayInApiConsole, description, showAsTokenEndpointUrl, serviceName, servicePort, wsHostname, httpHostname, websubHostname)"},
	{Name: "WSO2_GATEWAY_LABELS", TOML: "`[apim.sync_runtime_artifacts.gateway] gateway_labels`", Helm: "`sync_runtime_artifacts.gateway.labels`", Desc: "gateway labels: comma list or JSON array"},
	{Name: "WSO2_USERSTORE_TYPE", TOML: "`[user_store] type`", Helm: "`userStore.type`", Desc: "user store type (e.g. database_unique_id)"},
	{Name: "WSO2_OAUTH2_JWKS_URL", TOML: "`[oauth.endpoints] oauth2_jwks_url`", Helm: "`oauth_config.oauth2JWKSUrl`", Desc: "JWKS URL: URL, host:port or host (https://HOST:9443/oauth2/jwks)"},
	{Name: "WSO2_PROXY_PORT_HTTP", TOML: "`[transport.http.properties] proxyPort` (integer)", Helm: "the gateway and all-in-one charts' fixed `proxyPort = 80`", Desc: "port clients reach the HTTP servlet transport on, through an ingress or proxy (1-65535)"},
	{Name: "WSO2_PROXY_PORT_HTTPS", TOML: "`[transport.https.properties] proxyPort` (integer)", Helm: "the charts' fixed `proxyPort = 443`", Desc: "port clients reach the HTTPS servlet transport (the consoles, /services) on, through an ingress or proxy (1-65535)"},
	{Name: "WSO2_DEPLOYMENT_TOML", Secret: true, Doc: true, TOML: "any key: a TOML fragment merged into deployment.toml (keys set, tables added, arrays of tables replaced) after the variables above", Helm: "everything else (`extraConfigs` and every other value)", Desc: "TOML fragment merged into deployment.toml (or WSO2_DEPLOYMENT_TOML_FILE); withheld from the server like a secret"},
	{Name: "WSO2_CONFIG_VOLUME", TOML: "(files copied over the home before the edits)", Helm: "the chart's `wso2-config-volume` mounts", Desc: "folder copied over the product home at every start, symlinks followed, before the agent's edits (WSO2's images: ~/wso2-config-volume)"},
	{Name: "WSO2_ARTIFACT_VOLUME", TOML: "(files copied over the home after the config volume)", Helm: "`wso2-artifact-volume`", Desc: "folder copied over the product home after WSO2_CONFIG_VOLUME (WSO2's images: ~/wso2-artifact-volume)"},
}

// envDefaults are the defaults of the 4.x variables that have one.
var envDefaults = map[string]string{
	"WSO2_CONFIG_VOLUME":   "/home/wso2carbon/wso2-config-volume",
	"WSO2_ARTIFACT_VOLUME": "/home/wso2carbon/wso2-artifact-volume",
}

// withAPIM4Vars adds the 4.x variables to the agent's list: a variable the
// 2.0.0 contract already has gets its 4.x meaning appended.
func withAPIM4Vars(vs []contract.Var) []contract.Var {
	idx := map[string]int{}
	for i, v := range vs {
		idx[v.Name] = i
	}
	for name, note := range map[string]string{
		"WSO2_PROFILE":    "; API Manager 4.x: all-in-one, control-plane, key-manager, traffic-manager, universal-gateway (gateway-worker) and the -Dprofile names of the home's bin/profileSetup.sh; unset on a 4.x home: the pack's own component",
		"WSO2_HOME":       "; API Manager 4.x: no default (else WSO2_SERVER_HOME, set by WSO2's images)",
		"WSO2_TRUSTSTORE": "; API Manager 4.x: not used ([truststore] file_name decides)",
	} {
		if i, ok := idx[name]; ok {
			vs[i].Desc += note
		}
	}
	for _, a := range Vars {
		toml := strings.ReplaceAll(a.TOML, "`", "")
		if i, ok := idx[a.Name]; ok {
			vs[i].Desc += "; API Manager 4.x: " + toml
			continue
		}
		vs = append(vs, contract.Var{Name: a.Name, Default: envDefaults[a.Name], Secret: a.Secret, Document: a.Doc, Desc: "API Manager 4.x: " + a.Desc + " -> " + toml, Scope: contract.ScopeAPIM4})
	}
	return vs
}

// Env is the loaded 4.x environment: the variables that are set (NAME or
// NAME_FILE), nothing else.
type Env struct {
	Vals     map[string]string
	fromFile map[string]bool
	files    map[string]string // NAME -> the NAME_FILE path it was read from
}

// loadEnv collects the set 4.x variables, for Load: NAME through lookup;
// a secret given as NAME_FILE has the value Load read from that file
// (secretFiles; a file Load could not read, or NAME set beside it, is Load's
// problem, and the variable is left unset here); a non-secret File variable
// given as NAME_FILE is read here, one trailing newline trimmed. Problems
// are one line each, never holding a secret value.
func loadEnv(lookup func(string) (string, bool), secretFiles map[string]string) (*Env, []string) {
	e := &Env{Vals: map[string]string{}, fromFile: map[string]bool{}, files: map[string]string{}}
	var problems []string
	for _, v := range Vars {
		val, ok := lookup(v.Name)
		path, fok := lookup(v.Name + "_FILE")
		switch {
		case fok && v.Secret:
			val, ok = secretFiles[v.Name]
			e.fromFile[v.Name], e.files[v.Name] = true, path
		case fok && v.File:
			if ok {
				problems = append(problems, fmt.Sprintf("%s and %s_FILE are both set: use one", v.Name, v.Name))
				continue
			}
			b, err := boundedread.ReadFile(path, boundedread.Text)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s_FILE: read %s: %s", v.Name, path, contract.DescribeFSError(err)))
				continue
			}
			val, ok = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"), true
			e.fromFile[v.Name], e.files[v.Name] = true, path
		}
		if ok {
			e.Vals[v.Name] = val
		}
	}
	return e, problems
}

// get returns a variable's value and whether it is set.
func (e *Env) get(name string) (string, bool) { v, ok := e.Vals[name]; return v, ok }

// secretValues are the values of the set secret variables.
func (e *Env) secretValues() []string {
	var out []string
	for _, v := range Vars {
		if val, ok := e.Vals[v.Name]; ok && v.Secret && v.Name != "WSO2_DEPLOYMENT_TOML" {
			out = append(out, val)
		}
	}
	return out
}

func isSecret4x(name string) bool {
	for _, v := range Vars {
		if v.Name == name {
			return v.Secret
		}
	}
	return false
}

// Inputs are the validated, typed 4.x inputs of one component.
type Inputs struct {
	env            *Env
	role           Role
	offset         int              // WSO2_PORT_OFFSET, else the fragment's [server] offset (0: neither)
	offsetSet      bool             // WSO2_PORT_OFFSET is set
	offsetFrag     bool             // offset is the fragment's (WSO2_PORT_OFFSET unset)
	ownOffsetUsed  bool             // a bare host of this role got its port from offsetFor (see derived)
	tmOffset       int              // WSO2_THROTTLING_PORT_OFFSET
	proxyPorts     map[string]int64 // transport (http, https) -> WSO2_PROXY_PORT_HTTP(S)
	KMURL          string
	kmType         string // WSO2_KM_TYPE
	kmRevoke       string // the key manager's revoke endpoint (WSO2-IS)
	ehURL          string
	TMURL          string
	jwksURL        string
	ehHosts        []string // WSO2_EVENTHUB_URLS of a control plane: host names
	EventHubListen []string // WSO2_EVENTHUB_URLS of a gateway or traffic manager: the listening endpoints
	dupURLs        []string // WSO2_EVENT_DUPLICATE_URLS
	tmHosts        []string
	gwEnvs         []gwEnvironment
	gwEnvsSet      bool
	labels         []string
	labelsSet      bool
	fragment       []byte
	fragmentDoc    *tomlconf.Doc // fragment as parsed at load (only read)
	warnings       []string
	dbTypeFrom     map[string][2]string // apim_db/shared_db -> type, driver
	dbServers      map[string]string    // WSO2_*_DB_URL -> its server (jdbcServer), "" when not read
}

// derived records that a value of a variable gave a component of role
// target a port of the agent's choosing: v is a bare host (no scheme, no
// port), or bare says so (a host list, whose hosts are bare).
func (in *Inputs) derived(target Role, v string, bare bool) {
	if target != in.role {
		return
	}
	for _, e := range strings.Split(v, ",") {
		if e = strings.TrimSpace(e); bare || (e != "" && !strings.Contains(e, ":")) {
			in.ownOffsetUsed = true
			return
		}
	}
}

// offsetFor is the port offset of a URL that points at a component of role
// target: this component's own offset for its peers, the traffic managers'
// offset for traffic managers, none otherwise.
func (in *Inputs) offsetFor(target Role) int {
	switch {
	case target == in.role:
		if target == RoleTM && in.tmOffset != 0 && !in.offsetSet && !in.offsetFrag {
			return in.tmOffset
		}
		return in.offset
	case target == RoleTM:
		return in.tmOffset
	}
	return 0
}

// ParseInputs validates every set 4.x variable at once, for a component of
// role.
func ParseInputs(e *Env, role Role) (*Inputs, []string) { return parseInputs(e, role, "") }

// parseInputs is ParseInputs for the profile a component of role runs (""
// when not known): a key manager, a control-plane role, takes no event
// copies either.
func parseInputs(e *Env, role Role, profile string) (*Inputs, []string) {
	in := &Inputs{env: e, role: role, dbTypeFrom: map[string][2]string{}, dbServers: map[string]string{}}
	var p []string
	bad := func(name, format string, a ...any) { p = append(p, name+": "+fmt.Sprintf(format, a...)) }
	if v, ok := e.get("WSO2_HOSTNAME"); ok && !isHostName(v) {
		bad("WSO2_HOSTNAME", "%q is not a host name (letters, digits, '.', '-', '_')", v)
	}
	offset := func(name string) (int, bool) {
		v, ok := e.get(name)
		if !ok {
			return 0, false
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > product.MaxOffset || strconv.Itoa(n) != v {
			bad(name, "%q is not a port offset (0-%d)", v, product.MaxOffset)
			return 0, false
		}
		return n, true
	}
	in.offset, in.offsetSet = offset("WSO2_PORT_OFFSET")
	in.tmOffset, _ = offset("WSO2_THROTTLING_PORT_OFFSET")
	// The fragment is read before any port is derived: a [server] offset
	// in it is this component's offset, for the URLs below as for agent
	// health (which reads the file when WSO2_PORT_OFFSET is unset); one
	// that contradicts WSO2_PORT_OFFSET is refused.
	if v, ok := e.get("WSO2_DEPLOYMENT_TOML"); ok {
		in.fragment = []byte(v)
		doc, err := tomlconf.Parse(in.fragment)
		if err != nil {
			bad("WSO2_DEPLOYMENT_TOML", "%v", err)
		}
		in.fragmentDoc = doc
		if n, ok := fragmentOffset(doc); ok {
			switch {
			case in.offsetSet && n != in.offset:
				bad("WSO2_DEPLOYMENT_TOML", "[server] offset = %d differs from WSO2_PORT_OFFSET (%d), from which the agent derives this component's ports and agent health its probe: give the offset in WSO2_PORT_OFFSET only", n, in.offset)
			case !in.offsetSet:
				in.offset, in.offsetFrag = n, true
			}
		}
	}
	in.proxyPorts = map[string]int64{}
	for transport, name := range map[string]string{"http": "WSO2_PROXY_PORT_HTTP", "https": "WSO2_PROXY_PORT_HTTPS"} {
		// Checked with the agent's other settings (contract.Config): a
		// value that is not a port stops the start there.
		if v, ok := e.get(name); ok && isPort(v) {
			n, _ := strconv.Atoi(v)
			in.proxyPorts[transport] = int64(n)
		}
	}
	if v, ok := e.get("WSO2_NODE_IP"); ok && net.ParseIP(v) == nil {
		bad("WSO2_NODE_IP", "%q is not an IP address", v)
	}
	for _, n := range []string{"WSO2_ADMIN_USERNAME", "WSO2_APIM_DB_USERNAME", "WSO2_SHARED_DB_USERNAME", "WSO2_USERSTORE_TYPE", "WSO2_DB_TYPE", "WSO2_DB_DRIVER"} {
		if v, ok := e.get(n); ok && (v == "" || hasControl(v)) {
			bad(n, "%q is empty or holds control characters", v)
		}
	}
	for _, ks := range []string{"PRIMARY", "TLS", "INTERNAL"} {
		if v, ok := e.get("WSO2_KEYSTORE_" + ks + "_NAME"); ok && !isStoreFileName(v) {
			bad("WSO2_KEYSTORE_"+ks+"_NAME", "%q is not a file name inside repository/resources/security", v)
		}
		if v, ok := e.get("WSO2_KEYSTORE_" + ks + "_ALIAS"); ok && (v == "" || hasControl(v)) {
			bad("WSO2_KEYSTORE_"+ks+"_ALIAS", "%q is empty or holds control characters", v)
		}
	}
	if v, ok := e.get("WSO2_TRUSTSTORE_NAME"); ok && !isStoreFileName(v) {
		bad("WSO2_TRUSTSTORE_NAME", "%q is not a file name inside repository/resources/security", v)
	}
	for _, v := range Vars {
		val, ok := e.get(v.Name)
		switch {
		case !ok || !v.Secret || v.Name == "WSO2_DEPLOYMENT_TOML":
		case val == "" && v.Name != "WSO2_ADMIN_PASSWORD": // the contract reports that one
			// As the contract's own passwords (an unset shell variable
			// in a compose file gives ""): never written as password = "".
			p = append(p, v.Name+": set but empty (unset it, or give a password)")
		case hasControl(val) && e.fromFile[v.Name]:
			p = append(p, v.Name+"_FILE: "+e.files[v.Name]+": the value holds control characters (a second line break? one trailing line break is trimmed)")
		case hasControl(val):
			p = append(p, v.Name+": holds control characters (a line break?)")
		}
	}
	for _, db := range []string{"APIM", "SHARED"} {
		name := "WSO2_" + db + "_DB_URL"
		v, ok := e.get(name)
		if !ok {
			continue
		}
		typ, drv, err := jdbcKind(v)
		if err != nil {
			bad(name, "%v", err)
			continue
		}
		addr, _, err := jdbcServer(v)
		if err != nil {
			bad(name, "%v", err) // not the URL: it may hold a password
			continue
		}
		in.dbServers[name] = addr
		if t, ok := e.get("WSO2_DB_TYPE"); ok {
			typ = t
		}
		if d, ok := e.get("WSO2_DB_DRIVER"); ok {
			drv = d
		}
		if typ == "" || drv == "" {
			bad(name, "%q: cannot tell the database type from the URL: set WSO2_DB_TYPE and WSO2_DB_DRIVER", v)
			continue
		}
		in.dbTypeFrom[strings.ToLower(db)+"_db"] = [2]string{typ, drv}
		if len(contract.URLPasswords(v)) > 0 {
			in.warnings = append(in.warnings, name+" holds a password: the agent masks it in its output, but deployment.toml and the server's logs show the URL as it is; give it in WSO2_"+db+"_DB_PASSWORD (or its _FILE) instead")
		}
		if bareAmp(v) {
			in.warnings = append(in.warnings, name+" holds a bare '&': WSO2's config mapper copies it into XML as is; write it as &amp;")
		}
	}
	single := func(name, scheme string, port int, path string, target Role) string {
		v, ok := e.get(name)
		if !ok {
			return ""
		}
		in.derived(target, v, false)
		u, err := expandURL(v, scheme, port+in.offsetFor(target), path)
		if err != nil {
			bad(name, "%v", err)
		}
		return u
	}
	// The Identity Server as key manager is no control plane: its bare
	// host gets 9443, as the charts' iskm.servicePort, not this offset.
	kmRole := RoleCP
	kmType, kmTypeSet := e.get("WSO2_KM_TYPE")
	if kmType == kmTypeIS {
		kmRole = roleOther
	}
	in.KMURL = single("WSO2_KM_SERVICE_URL", "https", 9443, "/services/", kmRole)
	if v := kmType; kmTypeSet {
		switch {
		case v != kmTypeIS && v != "default":
			bad("WSO2_KM_TYPE", "%q is not a key manager type the agent writes: %s (the Identity Server, the charts' iskm.enabled) or default", v, kmTypeIS)
		case v == kmTypeIS && in.KMURL == "":
			if _, given := e.get("WSO2_KM_SERVICE_URL"); !given {
				bad("WSO2_KM_TYPE", "%s needs WSO2_KM_SERVICE_URL: the Identity Server's host (the charts' iskm.serviceName and servicePort)", kmTypeIS)
			}
		case v == kmTypeIS:
			if u, err := url.Parse(in.KMURL); err == nil {
				in.kmRevoke = u.Scheme + "://" + u.Host + "/oauth2/revoke"
			}
		}
		in.kmType = v
	}
	in.ehURL = single("WSO2_EVENTHUB_SERVICE_URL", "https", 9443, "/services/", RoleCP)
	in.TMURL = single("WSO2_THROTTLING_SERVICE_URL", "https", 9443, "/services/", RoleTM)
	in.jwksURL = single("WSO2_OAUTH2_JWKS_URL", "https", 9443, "/oauth2/jwks", RoleCP)
	hosts := func(name string) []string {
		v, ok := e.get(name)
		if !ok {
			return nil
		}
		hs, err := hostList(v)
		if err != nil {
			bad(name, "%v", err)
		}
		return hs
	}
	if role == RoleCP {
		in.ehHosts = hosts("WSO2_EVENTHUB_URLS")
		if in.ehHosts != nil {
			in.derived(RoleCP, "", true)
		}
	} else if v, ok := e.get("WSO2_EVENTHUB_URLS"); ok {
		// One URL per entry: the URL rule applies to each.
		in.derived(RoleCP, v, false)
		eps, err := urlList(v, "tcp", 5672+in.offsetFor(RoleCP))
		if err != nil {
			bad("WSO2_EVENTHUB_URLS", "%v", err)
		}
		in.EventHubListen = eps
	}
	if v, ok := e.get("WSO2_EVENT_DUPLICATE_URLS"); ok {
		refused := ""
		switch {
		case role == RoleGW:
			refused = "a gateway"
		case isKeyManager(profile):
			refused = "a key manager"
		}
		if refused != "" {
			bad("WSO2_EVENT_DUPLICATE_URLS", "%s receives no events to copy: set it on the control planes and traffic managers of a highly available pair", refused)
		} else {
			in.derived(role, v, false)
			urls, err := urlList(v, "tcp", 5672+in.offsetFor(role))
			if err != nil {
				bad("WSO2_EVENT_DUPLICATE_URLS", "%v", err)
			}
			in.dupURLs = urls
		}
	}
	in.tmHosts = hosts("WSO2_THROTTLING_URLS")
	if in.tmHosts != nil {
		in.derived(RoleTM, "", true)
	}
	if v, ok := e.get("WSO2_GATEWAY_ENVIRONMENTS"); ok {
		envs, err := parseGatewayEnvironments(v)
		if err != nil {
			bad("WSO2_GATEWAY_ENVIRONMENTS", "%v", err)
		}
		in.gwEnvs, in.gwEnvsSet = envs, true
	}
	if v, ok := e.get("WSO2_GATEWAY_LABELS"); ok {
		ls, err := parseLabels(v)
		if err != nil {
			bad("WSO2_GATEWAY_LABELS", "%v", err)
		}
		in.labels, in.labelsSet = ls, true
	}
	sort.Strings(p)
	return in, p
}

// kmTypeIS is WSO2_KM_TYPE's value for the Identity Server as key manager.
const kmTypeIS = "WSO2-IS"

// fragmentOffset is the [server] offset of the fragment doc (nil: none),
// when it sets one that is a port offset: an integer, or a string of one;
// anything else (a placeholder, a value out of range) is left to
// checkOffset, which sees the file the setup leaves.
func fragmentOffset(doc *tomlconf.Doc) (int, bool) {
	if doc == nil {
		return 0, false
	}
	v, ok := doc.Get(tomlconf.Key{"server", "offset"})
	if !ok {
		return 0, false
	}
	n, placeholder, err := offsetValue(v)
	return n, !placeholder && err == nil
}

// isHostName reports whether s is a host name or IPv4 address, checked as
// every other host of the agent (contract.CheckHostName).
func isHostName(s string) bool { return contract.CheckHostName(s, false) == nil }

// hasControl reports whether s holds a control character.
func hasControl(s string) bool { return strings.IndexFunc(s, unicode.IsControl) >= 0 }

// isStoreFileName accepts a file name, or a relative path without "..",
// inside repository/resources/security.
func isStoreFileName(s string) bool {
	if s == "" || hasControl(s) || strings.HasPrefix(s, "/") || strings.ContainsAny(s, `"\`) {
		return false
	}
	for _, part := range strings.Split(s, "/") {
		if part == ".." || part == "" {
			return false
		}
	}
	return true
}

// bareAmp reports whether s holds an '&' that does not start an XML entity.
func bareAmp(s string) bool {
	for i := strings.IndexByte(s, '&'); i >= 0; {
		rest := s[i+1:]
		semi := strings.IndexByte(rest, ';')
		if semi <= 0 || strings.ContainsAny(rest[:semi], "&=?/ ") {
			return true
		}
		j := strings.IndexByte(rest, '&')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// jdbcKind derives the deployment.toml database type and JDBC driver the
// Helm chart's documentation pairs with a JDBC URL's sub-protocol.
func jdbcKind(u string) (typ, driver string, err error) {
	if hasControl(u) {
		return "", "", errors.New("holds control characters")
	}
	if !strings.HasPrefix(u, "jdbc:") {
		return "", "", fmt.Errorf("%q is not a JDBC URL (jdbc:...)", u)
	}
	sub, _, _ := strings.Cut(strings.TrimPrefix(u, "jdbc:"), ":")
	for known := range jdbcSubprotocols {
		if sub != known && strings.HasPrefix(sub, known+"/") {
			return "", "", fmt.Errorf("%q: a ':' is missing after jdbc:%s", u, known)
		}
	}
	if k, ok := jdbcSubprotocols[sub]; ok && k.typ != "" {
		return k.typ, k.driver, nil
	}
	return "", "", nil
}

// expandURL applies the URL rule of single-URL variables: a full URL is
// kept as given (its host validated), host:port becomes
// scheme://host:port+path, a bare host scheme://host:defPort+path.
func expandURL(v, scheme string, defPort int, path string) (string, error) {
	if v == "" || hasControl(v) || strings.ContainsAny(v, " \"\\") {
		return "", fmt.Errorf("%q is not a URL, host:port or host", v)
	}
	if strings.Contains(v, "://") {
		u, err := url.Parse(v)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return "", fmt.Errorf("%q is not a URL", v)
		}
		if err := contract.CheckHostName(u.Hostname(), false); err != nil {
			return "", fmt.Errorf("%q: %q is not a host name: %v", v, u.Hostname(), err)
		}
		if p := u.Port(); p != "" && !isPort(p) {
			return "", fmt.Errorf("%q: %q is not a port", v, p)
		}
		if kin := schemeKin[scheme]; u.Scheme != scheme && !slices.Contains(kin, u.Scheme) {
			return "", fmt.Errorf("%q: the scheme %q is not %s", v, u.Scheme, strings.Join(append([]string{scheme}, kin...), " or "))
		}
		return v, nil
	}
	if strings.Contains(v, "/") {
		return "", fmt.Errorf("%q is not a URL (scheme://host...), host:port or host", v)
	}
	if strings.Count(v, ":") > 1 || strings.HasPrefix(v, "[") {
		return "", fmt.Errorf("%q: an IPv6 address is not supported here (use a host name or an IPv4 address)", v)
	}
	host, port, hasPort := strings.Cut(v, ":")
	if err := contract.CheckHostName(host, false); err != nil {
		return "", fmt.Errorf("%q: %q is not a host name: %v", v, host, err)
	}
	if hasPort {
		if !isPort(port) {
			return "", fmt.Errorf("%q: %q is not a port (1-65535)", v, port)
		}
		return scheme + "://" + host + ":" + port + path, nil
	}
	return fmt.Sprintf("%s://%s:%d%s", scheme, host, defPort, path), nil
}

// schemeKin are the other schemes a full URL may have where a scheme is
// expected: the server reaches its services over HTTP(S), its message
// broker over plain TCP or TLS (ssl://).
var schemeKin = map[string][]string{"https": {"http"}, "tcp": {"ssl"}}

func isPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == s
}

// hostList parses a comma-separated list of host names (the Helm chart's
// eventhub.urls / throttling.urls, which each yield several ports).
func hostList(v string) ([]string, error) {
	var out []string
	for i, h := range strings.Split(v, ",") {
		h = strings.TrimSpace(h)
		if strings.ContainsAny(h, ":/") {
			return nil, fmt.Errorf("entry %d %q: give host names only (each host yields several ports, derived from the stock ports and the offset)", i+1, h)
		}
		if !isHostName(h) {
			return nil, fmt.Errorf("entry %d %q is not a host name", i+1, h)
		}
		out = append(out, h)
	}
	return out, nil
}

// urlList applies the URL rule to each entry of a comma-separated list
// whose entries each yield one URL: a full URL is kept as given, host:port
// becomes scheme://host:port, a bare host scheme://host:defPort.
func urlList(v, scheme string, defPort int) ([]string, error) {
	var out []string
	for i, h := range strings.Split(v, ",") {
		u, err := expandURL(strings.TrimSpace(h), scheme, defPort, "")
		if err != nil {
			return nil, fmt.Errorf("entry %d: %v", i+1, err)
		}
		out = append(out, u)
	}
	return out, nil
}

// parseLabels reads a comma list or a JSON array of gateway labels.
func parseLabels(v string) ([]string, error) {
	t := strings.TrimSpace(v)
	var out []string
	if strings.HasPrefix(t, "[") {
		if err := json.Unmarshal([]byte(t), &out); err != nil {
			return nil, fmt.Errorf("invalid JSON array of strings: %v", err)
		}
	} else {
		for _, l := range strings.Split(t, ",") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	for i, l := range out {
		if l == "" || hasControl(l) {
			return nil, fmt.Errorf("label %d is empty or holds control characters", i+1)
		}
	}
	return out, nil
}

// gwEnvironment is one entry of WSO2_GATEWAY_ENVIRONMENTS, with the Helm
// chart's field names.
type gwEnvironment struct {
	Name                   string   `json:"name"`
	Type                   string   `json:"type"`
	GatewayType            string   `json:"gatewayType"`
	Provider               string   `json:"provider"`
	Visibility             []string `json:"visibility"`
	DisplayInAPIConsole    *bool    `json:"displayInApiConsole"`
	Description            string   `json:"description"`
	ShowAsTokenEndpointURL *bool    `json:"showAsTokenEndpointUrl"`
	ServiceName            string   `json:"serviceName"`
	ServicePort            *int     `json:"servicePort"`
	WSHostname             string   `json:"wsHostname"`
	HTTPHostname           string   `json:"httpHostname"`
	WebsubHostname         string   `json:"websubHostname"`
}

// parseGatewayEnvironments decodes the JSON array strictly: unknown fields,
// a missing name or serviceName, and bad host names are errors.
func parseGatewayEnvironments(v string) ([]gwEnvironment, error) {
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	var envs []gwEnvironment
	if err := dec.Decode(&envs); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("invalid JSON at offset %d: %v", se.Offset, err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("invalid JSON at offset %d: %s must be %s", te.Offset, orWhole(te.Field), jsonKind(te.Type))
		}
		return nil, fmt.Errorf("invalid JSON array of environments: %v", err)
	}
	if dec.More() {
		return nil, errors.New("invalid JSON: more than one value")
	}
	names := map[string]bool{}
	for i, g := range envs {
		at := fmt.Sprintf("entry %d", i+1)
		if g.Name == "" || hasControl(g.Name) {
			return nil, fmt.Errorf("%s: name is missing or holds control characters", at)
		}
		if names[g.Name] {
			return nil, fmt.Errorf("%s: name %q given twice", at, g.Name)
		}
		names[g.Name] = true
		if !isHostName(g.ServiceName) {
			return nil, fmt.Errorf("%s (%s): serviceName %q is not a host name", at, g.Name, g.ServiceName)
		}
		if g.ServicePort != nil && (*g.ServicePort < 1 || *g.ServicePort > 65535) {
			return nil, fmt.Errorf("%s (%s): servicePort %d is not a port", at, g.Name, *g.ServicePort)
		}
		for field, h := range map[string]string{"wsHostname": g.WSHostname, "httpHostname": g.HTTPHostname, "websubHostname": g.WebsubHostname} {
			if h == "" {
				continue
			}
			host, port, hasPort := strings.Cut(h, ":")
			if !isHostName(host) || (hasPort && !isPort(port)) {
				return nil, fmt.Errorf("%s (%s): %s %q is not host or host:port", at, g.Name, field, h)
			}
		}
		for _, s := range append([]string{g.Type, g.GatewayType, g.Provider}, g.Visibility...) {
			if hasControl(s) {
				return nil, fmt.Errorf("%s (%s): a field holds control characters", at, g.Name)
			}
		}
	}
	return envs, nil
}

// jsonKind names the JSON a Go type takes, for messages: "an array of
// environments ([{...}, ...])", "a string"...
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Struct {
			return "an array of environments ([{\"name\": ...}, ...])"
		}
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return t.Kind().String()
}

func orWhole(f string) string {
	if f == "" {
		return "the value"
	}
	return f
}
