package agent

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/product/apim4"
)

// The test below holds the agent to WSO2's Helm charts 4.5.0-x (public
// repository wso2/helm-apim, tags control-plane-4.5.0-10,
// traffic-manager-4.5.0-10, gateway-4.5.0-10, all at commit 0aa37936d917;
// files distributed/control-plane/confs/instance-1/deployment.toml,
// distributed/traffic-manager/confs/instance-1/deployment.toml,
// distributed/gateway/confs/deployment.toml). The charts are not
// Apache-licensed, so their templates are not copied here: each expected
// value below was worked out by hand from the template line quoted beside
// it, for the Helm values of its case, never taken from the agent's output.

// chartKey is one deployment.toml key as a chart writes it for the case's
// Helm values.
type chartKey struct {
	key  string // flattened: "a.b.c", "a.b[1].c" for an element of an array of tables
	want any    // the value as BurntSushi/toml decodes it: string, int64, bool, []any
	rule string // the template line that writes it
	// chart, when set, is what the chart writes where the agent differs on
	// purpose (the chart is plainly wrong, or the agent resolves the same
	// value itself); want is then what the agent writes instead, and
	// readme a phrase of the README's list of differences that explains it.
	chart  any
	readme string
}

// chartCase is one component: its Helm values (for the reader: the same
// inputs, as the chart takes them), the agent's variables for the same
// inputs, and every key the agent writes with the chart's value.
type chartCase struct {
	name string // the subtest's: the component's case name, else this
	c    a4Case
	helm []string          // path=value, the chart's values.yaml overrides
	env  map[string]string // the same inputs as variables
	keys []chartKey
	// removed are the keys of the stock file that the chart's template
	// leaves out for these values (flattened as keys), with the rule.
	removed map[string]string
}

const (
	chartAdminPW = `Adm1n"pw\x` // quote and backslash: Helm's quote (%q) escapes them as TOML does
	chartDBPW    = "db-pw-4.5"
	chartDBURL   = "jdbc:mysql://mysql:3306/apim_db?useSSL=false&amp;allowPublicKeyRetrieval=true"
	chartShared  = "jdbc:mysql://mysql:3306/shared_db?useSSL=false&amp;allowPublicKeyRetrieval=true"
	chartNodeIP  = "10.244.1.7"
)

// chartCommon are the inputs every chart takes the same way: admin,
// databases, keystores, truststore, user store, the pod's IP.
func chartCommon(apimDB bool) ([]string, map[string]string, []chartKey) {
	helm := []string{
		"wso2.apim.configurations.adminUsername=admin",
		"wso2.apim.configurations.adminPassword=" + chartAdminPW,
		"wso2.apim.configurations.databases.type=mysql",
		"wso2.apim.configurations.databases.jdbc.driver=com.mysql.cj.jdbc.Driver",
		"wso2.apim.configurations.databases.shared_db.url=" + chartShared,
		"wso2.apim.configurations.databases.shared_db.username=sharedadmin",
		"wso2.apim.configurations.databases.shared_db.password=" + chartDBPW,
		"wso2.apim.configurations.databases.shared_db.poolParameters.maxActive=100",
		"wso2.apim.configurations.security.keystores.primary.enabled=true",
		"wso2.apim.configurations.security.keystores.primary.name=wso2carbon.jks",
		"wso2.apim.configurations.security.keystores.primary.alias=wso2carbon",
		"wso2.apim.configurations.security.keystores.{primary,tls,internal}.{password,keyPassword}=wso2carbon",
		"wso2.apim.configurations.security.keystores.tls.name=wso2carbon.jks",
		"wso2.apim.configurations.security.keystores.tls.alias=wso2carbon",
		"wso2.apim.configurations.security.keystores.internal.enabled=true",
		"wso2.apim.configurations.security.keystores.internal.name=wso2internal.jks",
		"wso2.apim.configurations.security.keystores.internal.alias=wso2internal",
		"wso2.apim.configurations.security.truststore.name=client-truststore.jks",
		"wso2.apim.configurations.security.truststore.password=wso2carbon",
		"wso2.apim.configurations.userStore.type=database_unique_id",
		"(pod) NODE_IP=" + chartNodeIP,
	}
	env := map[string]string{
		"WSO2_ADMIN_USERNAME":          "admin",
		"WSO2_ADMIN_PASSWORD":          chartAdminPW,
		"WSO2_SHARED_DB_URL":           chartShared,
		"WSO2_SHARED_DB_USERNAME":      "sharedadmin",
		"WSO2_SHARED_DB_PASSWORD":      chartDBPW,
		"WSO2_KEYSTORE_PASSWORD":       "wso2carbon",
		"WSO2_KEYSTORE_PRIMARY_NAME":   "wso2carbon.jks",
		"WSO2_KEYSTORE_PRIMARY_ALIAS":  "wso2carbon",
		"WSO2_KEYSTORE_TLS_NAME":       "wso2carbon.jks",
		"WSO2_KEYSTORE_TLS_ALIAS":      "wso2carbon",
		"WSO2_KEYSTORE_INTERNAL_NAME":  "wso2internal.jks",
		"WSO2_KEYSTORE_INTERNAL_ALIAS": "wso2internal",
		"WSO2_TRUSTSTORE_NAME":         "client-truststore.jks",
		"WSO2_TRUSTSTORE_PASSWORD":     "wso2carbon",
		"WSO2_USERSTORE_TYPE":          "database_unique_id",
		"WSO2_NODE_IP":                 chartNodeIP,
		// The chart's pool options, written as the chart writes them
		// ({{ $key }} = "{{ $value }}": strings), in the fragment.
		"WSO2_DEPLOYMENT_TOML": "[database.shared_db.pool_options]\nmaxActive = \"100\"\n",
	}
	keys := []chartKey{
		{key: "server.node_ip", want: chartNodeIP, rule: `node_ip = "$env{NODE_IP}" (NODE_IP = the pod IP)`, chart: "$env{NODE_IP}",
			readme: "`node_ip`: the charts write `$env{NODE_IP}`"},
		{key: "super_admin.username", want: "admin", rule: `username = {{ adminUsername | quote }}`},
		{key: "super_admin.password", want: chartAdminPW, rule: `password = {{ adminPassword | quote }}`},
		{key: "database.shared_db.type", want: "mysql", rule: `type = "{{ databases.type }}"`},
		{key: "database.shared_db.url", want: chartShared, rule: `url = "{{ databases.shared_db.url }}"`},
		{key: "database.shared_db.username", want: "sharedadmin", rule: `username = "{{ databases.shared_db.username }}"`},
		{key: "database.shared_db.password", want: chartDBPW, rule: `password = {{ databases.shared_db.password | quote }}`},
		{key: "database.shared_db.driver", want: "com.mysql.cj.jdbc.Driver", rule: `driver = "{{ databases.jdbc.driver }}"`},
		{key: "database.shared_db.pool_options.maxActive", want: "100", rule: `{{ $key }} = "{{ $value }}" (pool options are strings)`},
		{key: "keystore.primary.file_name", want: "wso2carbon.jks", rule: `file_name = "{{ keystores.primary.name }}"`},
		{key: "keystore.primary.alias", want: "wso2carbon", rule: `alias = "{{ keystores.primary.alias }}"`},
		{key: "keystore.primary.password", want: "wso2carbon", rule: `password = {{ keystores.primary.password | quote }}`},
		{key: "keystore.primary.key_password", want: "wso2carbon", rule: `key_password = {{ keystores.primary.keyPassword | quote }}`},
		{key: "keystore.tls.file_name", want: "wso2carbon.jks", rule: `file_name = "{{ keystores.tls.name }}"`},
		{key: "keystore.tls.alias", want: "wso2carbon", rule: `alias = "{{ keystores.tls.alias }}"`},
		{key: "keystore.tls.password", want: "wso2carbon", rule: `password = {{ keystores.tls.password | quote }}`},
		{key: "keystore.tls.key_password", want: "wso2carbon", rule: `key_password = {{ keystores.tls.keyPassword | quote }}`},
		{key: "keystore.internal.file_name", want: "wso2internal.jks", rule: `file_name = "{{ keystores.internal.name }}"`},
		{key: "keystore.internal.alias", want: "wso2internal", rule: `alias = "{{ keystores.internal.alias }}"`},
		{key: "keystore.internal.password", want: "wso2carbon", rule: `password = {{ keystores.internal.password | quote }}`},
		{key: "keystore.internal.key_password", want: "wso2carbon", rule: `key_password = {{ keystores.internal.keyPassword | quote }}`},
		{key: "truststore.file_name", want: "client-truststore.jks", rule: `file_name = "{{ truststore.name }}"`},
		{key: "truststore.password", want: "wso2carbon", rule: `password = {{ truststore.password | quote }}`},
		{key: "user_store.type", want: "database_unique_id", rule: `type = {{ userStore.type | quote }}`},
	}
	if apimDB {
		helm = append(helm,
			"wso2.apim.configurations.databases.apim_db.url="+chartDBURL,
			"wso2.apim.configurations.databases.apim_db.username=apimadmin",
			"wso2.apim.configurations.databases.apim_db.password="+chartDBPW)
		env["WSO2_APIM_DB_URL"], env["WSO2_APIM_DB_USERNAME"], env["WSO2_APIM_DB_PASSWORD"] = chartDBURL, "apimadmin", chartDBPW
		keys = append(keys,
			chartKey{key: "database.apim_db.type", want: "mysql", rule: `type = "{{ databases.type }}"`},
			chartKey{key: "database.apim_db.url", want: chartDBURL, rule: `url = "{{ databases.apim_db.url }}"`},
			chartKey{key: "database.apim_db.username", want: "apimadmin", rule: `username = "{{ databases.apim_db.username }}"`},
			chartKey{key: "database.apim_db.password", want: chartDBPW, rule: `password = {{ databases.apim_db.password | quote }}`},
			chartKey{key: "database.apim_db.driver", want: "com.mysql.cj.jdbc.Driver", rule: `driver = "{{ databases.jdbc.driver }}"`})
	}
	return helm, env, keys
}

func chartCases() []chartCase {
	var out []chartCase

	// Control plane (control-plane-4.5.0-10, release "wso2am" of chart
	// "cp": template "apim-helm-cp.fullname" = "wso2am-cp";
	// deployment.highAvailability = true).
	helm, env, keys := chartCommon(true)
	helm = append(helm,
		"kubernetes.ingress.enabled=true",
		"kubernetes.ingress.controlPlane.hostname=am.example.com",
		"kubernetes.gatewayAPI.enabled=false",
		"wso2.apim.portOffset=1",
		"wso2.deployment.highAvailability=true",
		"wso2.apim.configurations.km.enabled=false",
		"wso2.apim.configurations.oauth_config.oauth2JWKSUrl=https://am.example.com/oauth2/jwks",
		`wso2.apim.configurations.gateway.environments=[Default (the values.yaml entry), Internal (visibility ["Internal/publisher"], type production, servicePort 9444, display/showAsToken false)]`,
	)
	env["WSO2_HOSTNAME"] = "am.example.com"
	env["WSO2_PORT_OFFSET"] = "1"
	env["WSO2_KM_SERVICE_URL"] = "wso2am-cp-service"       // bare host: a control plane's peer, its own offset
	env["WSO2_EVENTHUB_SERVICE_URL"] = "wso2am-cp-service" // likewise
	env["WSO2_EVENTHUB_URLS"] = "wso2am-cp-1-service,wso2am-cp-2-service"
	env["WSO2_OAUTH2_JWKS_URL"] = "https://am.example.com/oauth2/jwks" // a full URL, kept as given
	env["WSO2_PROXY_PORT_HTTPS"] = "443"                               // the chart's fixed proxy port
	env["WSO2_EVENT_DUPLICATE_URLS"] = "wso2am-cp-2-service"           // bare host: a peer, its own offset
	env["WSO2_GATEWAY_ENVIRONMENTS"] = `[
	 {"name":"Default","type":"hybrid","gatewayType":"Regular","provider":"wso2","displayInApiConsole":true,
	  "description":"This is a hybrid gateway that handles both production and sandbox token traffic.","showAsTokenEndpointUrl":true,
	  "serviceName":"wso2am-gateway-service","servicePort":9443,"wsHostname":"websocket.wso2.com","httpHostname":"gw.wso2.com","websubHostname":"websub.wso2.com"},
	 {"name":"Internal","type":"production","gatewayType":"Regular","provider":"wso2","visibility":["Internal/publisher"],"displayInApiConsole":false,
	  "description":"internal \"ops\" gateway","showAsTokenEndpointUrl":false,
	  "serviceName":"wso2am-gateway-internal","servicePort":9444,"wsHostname":"ws.internal","httpHostname":"gw.internal","websubHostname":"websub.internal"}]`
	gw := func(i int, k string, v any, rule string) chartKey {
		return chartKey{key: fmt.Sprintf("apim.gateway.environment[%d].%s", i, k), want: v, rule: rule}
	}
	keys = append(keys,
		chartKey{key: "server.hostname", want: "am.example.com", rule: `hostname = "{{ ingress.controlPlane.hostname }}" (ingress enabled)`},
		chartKey{key: "server.offset", want: int64(1), rule: `offset = {{ portOffset }} (an integer)`},
		chartKey{key: "apim.devportal.url", want: "https://am.example.com/devportal", rule: `url = "https://{{ ingress.controlPlane.hostname }}/devportal"`},
		chartKey{key: "apim.key_manager.service_url", want: "https://wso2am-cp-service:9444/services/", rule: `service_url = "https://{{ fullname }}-service:{{ add 9443 portOffset }}/services/" (km and iskm disabled)`},
		chartKey{key: "apim.event_hub.enable", want: true, rule: `enable = true`},
		chartKey{key: "apim.event_hub.service_url", want: "https://wso2am-cp-service:9444/services/", rule: `service_url = "https://{{ fullname }}-service:{{ add 9443 portOffset }}/services/"`},
		chartKey{key: "apim.event_hub.publish.url_group[0].urls", want: []any{"tcp://wso2am-cp-1-service:9612"}, rule: `urls = ["tcp://{{ fullname }}-1-service:{{ add 9611 portOffset }}"]`},
		chartKey{key: "apim.event_hub.publish.url_group[0].auth_urls", want: []any{"ssl://wso2am-cp-1-service:9712"}, rule: `auth_urls = ["ssl://{{ fullname }}-1-service:{{ add 9711 portOffset }}"]`},
		chartKey{key: "apim.event_hub.publish.url_group[1].urls", want: []any{"tcp://wso2am-cp-2-service:9612"}, rule: `urls = ["tcp://{{ fullname }}-2-service:{{ add 9611 portOffset }}"] (highAvailability)`},
		chartKey{key: "apim.event_hub.publish.url_group[1].auth_urls", want: []any{"ssl://wso2am-cp-2-service:9712"}, rule: `auth_urls = ["ssl://{{ fullname }}-2-service:{{ add 9711 portOffset }}"] (highAvailability)`},
		chartKey{key: "oauth.endpoints.oauth2_jwks_url", want: "https://am.example.com/oauth2/jwks", rule: `oauth2_jwks_url = "{{ oauth_config.oauth2JWKSUrl }}"`},
		chartKey{key: "transport.https.properties.proxyPort", want: int64(443), rule: `[transport.https.properties] proxyPort = 443`},
		chartKey{key: "apim.event_hub.event_duplicate_url", want: []any{"tcp://wso2am-cp-2-service:5673"}, rule: `event_duplicate_url = ["tcp://{{ fullname }}-2-service:{{ add 5672 portOffset }}"] (highAvailability, instance 1)`},
		gw(0, "name", "Default", `name = {{ $env.name | quote }}`),
		gw(0, "type", "hybrid", `type = {{ $env.type | quote }}`),
		gw(0, "gateway_type", "Regular", `gateway_type = {{ $env.gatewayType | quote }}`),
		gw(0, "provider", "wso2", `provider = {{ $env.provider | quote }}`),
		gw(0, "display_in_api_console", true, `display_in_api_console = {{ $env.displayInApiConsole }} (a boolean)`),
		gw(0, "description", "This is a hybrid gateway that handles both production and sandbox token traffic.", `description = {{ $env.description | quote }}`),
		gw(0, "show_as_token_endpoint_url", true, `show_as_token_endpoint_url = {{ $env.showAsTokenEndpointUrl }} (a boolean)`),
		gw(0, "service_url", "https://wso2am-gateway-service:9443/services/", `service_url = "https://{{ $env.serviceName }}:{{ $env.servicePort }}/services/"`),
		gw(0, "username", "${admin.username}", `username= "${admin.username}"`),
		gw(0, "password", "${admin.password}", `password= "${admin.password}"`),
		gw(0, "ws_endpoint", "ws://websocket.wso2.com", `ws_endpoint = "ws://{{ $env.wsHostname }}"`),
		gw(0, "wss_endpoint", "wss://websocket.wso2.com", `wss_endpoint = "wss://{{ $env.wsHostname }}"`),
		gw(0, "http_endpoint", "http://gw.wso2.com", `http_endpoint = "http://{{ $env.httpHostname }}"`),
		gw(0, "https_endpoint", "https://gw.wso2.com", `https_endpoint = "https://{{ $env.httpHostname }}"`),
		gw(0, "websub_event_receiver_http_endpoint", "http://websub.wso2.com", `websub_event_receiver_http_endpoint = "http://{{ $env.websubHostname }}"`),
		gw(0, "websub_event_receiver_https_endpoint", "https://websub.wso2.com", `websub_event_receiver_https_endpoint = "https://{{ $env.websubHostname }}"`),
		gw(1, "name", "Internal", `name = {{ $env.name | quote }}`),
		gw(1, "type", "production", `type = {{ $env.type | quote }}`),
		gw(1, "gateway_type", "Regular", `gateway_type = {{ $env.gatewayType | quote }}`),
		gw(1, "provider", "wso2", `provider = {{ $env.provider | quote }}`),
		gw(1, "visibility", []any{"Internal/publisher"}, `visibility = {{ toJson $env.visibility }} (an array, only when set)`),
		gw(1, "display_in_api_console", false, `display_in_api_console = {{ $env.displayInApiConsole }}`),
		// The chart writes {{ $env.description | quote }}: Go's %q, which
		// escapes a quote as TOML does.
		gw(1, "description", `internal "ops" gateway`, `description = {{ $env.description | quote }}`),
		gw(1, "show_as_token_endpoint_url", false, `show_as_token_endpoint_url = {{ $env.showAsTokenEndpointUrl }}`),
		gw(1, "service_url", "https://wso2am-gateway-internal:9444/services/", `service_url = "https://{{ $env.serviceName }}:{{ $env.servicePort }}/services/"`),
		gw(1, "username", "${admin.username}", `username= "${admin.username}"`),
		gw(1, "password", "${admin.password}", `password= "${admin.password}"`),
		gw(1, "ws_endpoint", "ws://ws.internal", `ws_endpoint = "ws://{{ $env.wsHostname }}"`),
		gw(1, "wss_endpoint", "wss://ws.internal", `wss_endpoint = "wss://{{ $env.wsHostname }}"`),
		gw(1, "http_endpoint", "http://gw.internal", `http_endpoint = "http://{{ $env.httpHostname }}"`),
		gw(1, "https_endpoint", "https://gw.internal", `https_endpoint = "https://{{ $env.httpHostname }}"`),
		gw(1, "websub_event_receiver_http_endpoint", "http://websub.internal", `websub_event_receiver_http_endpoint = "http://{{ $env.websubHostname }}"`),
		gw(1, "websub_event_receiver_https_endpoint", "https://websub.internal", `websub_event_receiver_https_endpoint = "https://{{ $env.websubHostname }}"`),
	)
	out = append(out, chartCase{c: a4Cases[0], helm: helm, env: env, keys: keys})

	// Traffic manager (traffic-manager-4.5.0-10). Its chart hard-codes
	// hostname "tm.wso2.com", writes no offset, and points at the control
	// plane on the stock ports.
	helm, env, keys = chartCommon(true)
	helm = append(helm,
		"wso2.apim.configurations.km.serviceUrl=wso2am-cp-service",
		"wso2.apim.configurations.eventhub.serviceUrl=wso2am-cp-service",
		"wso2.apim.configurations.eventhub.urls=[wso2am-cp-1-service, wso2am-cp-2-service]",
	)
	env["WSO2_HOSTNAME"] = "tm.wso2.com"
	env["WSO2_PROXY_PORT_HTTPS"] = "443"
	env["WSO2_EVENT_DUPLICATE_URLS"] = "wso2am-tm-2-service"
	env["WSO2_KM_SERVICE_URL"] = "wso2am-cp-service"       // bare host: not a peer, no offset
	env["WSO2_EVENTHUB_SERVICE_URL"] = "wso2am-cp-service" // likewise
	env["WSO2_EVENTHUB_URLS"] = "wso2am-cp-1-service,wso2am-cp-2-service"
	keys = append(keys,
		chartKey{key: "server.hostname", want: "tm.wso2.com", rule: `hostname = "tm.wso2.com"`},
		chartKey{key: "transport.https.properties.proxyPort", want: int64(443), rule: `[transport.https.properties] proxyPort = 443`},
		chartKey{key: "apim.throttling.event_duplicate_url", want: []any{"tcp://wso2am-tm-2-service:5672"}, rule: `event_duplicate_url = ["tcp://{{ fullname }}-2-service:5672"] (highAvailability, the values.yaml default; instance 1)`},
		chartKey{key: "apim.key_manager.service_url", want: "https://wso2am-cp-service:9443/services/", rule: `service_url = "https://{{ km.serviceUrl }}:9443/services/"`},
		chartKey{key: "apim.event_hub.enable", want: true, rule: `enable = true`},
		chartKey{key: "apim.event_hub.service_url", want: "https://wso2am-cp-service:9443/services/", rule: `service_url = "https://{{ eventhub.serviceUrl }}:9443/services/"`},
		chartKey{key: "apim.event_hub.event_listening_endpoints", want: []any{"tcp://wso2am-cp-1-service:5672", "tcp://wso2am-cp-2-service:5672"},
			rule: `event_listening_endpoints = [{{ range eventhub.urls }}"tcp://{{ $element }}:5672"{{ if ne $index $len }},{{ end }}{{ end }}]`},
	)
	out = append(out, chartCase{c: a4Cases[2], helm: helm, env: env, keys: keys})

	// Universal gateway (gateway-4.5.0-10), traffic managers on port offset
	// 2 (throttling.portOffset), the control plane on the stock ports.
	helm, env, keys = chartCommon(false)
	helm = append(helm,
		"kubernetes.ingress.enabled=true",
		"kubernetes.ingress.gateway.hostname=gw.example.com",
		"wso2.apim.portOffset=0",
		"wso2.apim.configurations.km.serviceUrl=wso2am-cp-service",
		"wso2.apim.configurations.km.servicePort=9443",
		"wso2.apim.configurations.throttling.serviceUrl=wso2am-tm-service",
		"wso2.apim.configurations.throttling.servicePort=9445",
		"wso2.apim.configurations.throttling.portOffset=2",
		"wso2.apim.configurations.throttling.urls=[wso2am-tm-1-service, wso2am-tm-2-service]",
		"wso2.apim.configurations.eventhub.enabled=true",
		"wso2.apim.configurations.eventhub.serviceUrl=wso2am-cp-service",
		"wso2.apim.configurations.eventhub.servicePort=9443",
		"wso2.apim.configurations.eventhub.urls=[wso2am-cp-1-service, wso2am-cp-2-service]",
		`wso2.apim.configurations.sync_runtime_artifacts.gateway.labels=["Default", "Internal"]`,
	)
	env["WSO2_HOSTNAME"] = "gw.example.com"
	env["WSO2_PORT_OFFSET"] = "0"
	env["WSO2_KM_SERVICE_URL"] = "wso2am-cp-service"                              // bare host: 9443, the control plane's offset is not the gateway's
	env["WSO2_THROTTLING_SERVICE_URL"] = "wso2am-tm-service"                      // bare host: 9443 + WSO2_THROTTLING_PORT_OFFSET
	env["WSO2_EVENTHUB_SERVICE_URL"] = "https://wso2am-cp-service:9443/services/" // a full URL, as given
	env["WSO2_THROTTLING_URLS"] = "wso2am-tm-1-service,wso2am-tm-2-service"
	env["WSO2_THROTTLING_PORT_OFFSET"] = "2"
	env["WSO2_EVENTHUB_URLS"] = "wso2am-cp-1-service,wso2am-cp-2-service"
	env["WSO2_GATEWAY_LABELS"] = `["Default","Internal"]`
	env["WSO2_PROXY_PORT_HTTP"], env["WSO2_PROXY_PORT_HTTPS"] = "80", "443"
	tg := func(i int, k string, v any, rule string) chartKey {
		return chartKey{key: fmt.Sprintf("apim.throttling.url_group[%d].%s", i, k), want: v, rule: rule}
	}
	keys = append(keys,
		chartKey{key: "server.hostname", want: "gw.example.com", rule: `hostname = "{{ ingress.gateway.hostname }}" (ingress enabled)`},
		chartKey{key: "server.offset", want: int64(0), rule: `offset = {{ portOffset }}`},
		chartKey{key: "transport.http.properties.proxyPort", want: int64(80), rule: `[transport.http] properties.proxyPort = 80`},
		chartKey{key: "transport.https.properties.proxyPort", want: int64(443), rule: `[transport.https] properties.proxyPort = 443`},
		// 4.5.0-3 has no km.servicePort (empty port: "https://wso2am-cp-service:/services/"); 4.5.0-10 has 9443.
		chartKey{key: "apim.key_manager.service_url", want: "https://wso2am-cp-service:9443/services/", rule: `service_url = "https://{{ km.serviceUrl }}:{{ km.servicePort }}/services/"`},
		chartKey{key: "apim.sync_runtime_artifacts.gateway.gateway_labels", want: []any{"Default", "Internal"}, rule: `gateway_labels = {{ toJson labels }} (an array)`},
		chartKey{key: "apim.throttling.service_url", want: "https://wso2am-tm-service:9445/services/", rule: `service_url = "https://{{ throttling.serviceUrl }}:{{ throttling.servicePort }}/services/"`},
		chartKey{key: "apim.throttling.throttle_decision_endpoints", want: []any{"tcp://wso2am-tm-1-service:5674", "tcp://wso2am-tm-2-service:5674"},
			rule: `throttle_decision_endpoints = [{{ range throttling.urls }}"tcp://{{ $element }}:{{ add 5672 throttling.portOffset }}"…]`},
		tg(0, "traffic_manager_urls", []any{"tcp://wso2am-tm-1-service:9613"}, `traffic_manager_urls = ["tcp://{{ $url }}:{{ add 9611 throttling.portOffset }}"]`),
		tg(0, "traffic_manager_auth_urls", []any{"ssl://wso2am-tm-1-service:9713"}, `traffic_manager_auth_urls = ["ssl://{{ $url }}:{{ add 9711 throttling.portOffset }}"]`),
		tg(0, "type", "loadbalance", `type = "loadbalance"`),
		tg(1, "traffic_manager_urls", []any{"tcp://wso2am-tm-2-service:9613"}, `traffic_manager_urls = ["tcp://{{ $url }}:{{ add 9611 throttling.portOffset }}"]`),
		tg(1, "traffic_manager_auth_urls", []any{"ssl://wso2am-tm-2-service:9713"}, `traffic_manager_auth_urls = ["ssl://{{ $url }}:{{ add 9711 throttling.portOffset }}"]`),
		tg(1, "type", "loadbalance", `type = "loadbalance"`),
		chartKey{key: "apim.event_hub.enable", want: true, rule: `enable = true (eventhub.enabled)`},
		chartKey{key: "apim.event_hub.service_url", want: "https://wso2am-cp-service:9443/services/", rule: `service_url = "https://{{ eventhub.serviceUrl }}:{{ eventhub.servicePort }}/services/"`},
		chartKey{key: "apim.event_hub.event_listening_endpoints", want: []any{"tcp://wso2am-cp-1-service:5672", "tcp://wso2am-cp-2-service:5672"},
			rule:   `event_listening_endpoints = [{{ range eventhub.urls }}"tcp://{{ $element }}:{{ add 5672 $.Values…throttling.portOffset }}"…]`,
			chart:  []any{"tcp://wso2am-cp-1-service:5674", "tcp://wso2am-cp-2-service:5674"},
			readme: "The gateway chart takes the port offset of the event-hub listening\n  endpoints from `throttling.portOffset`"},
	)
	out = append(out, chartCase{c: a4Cases[3], helm: helm, env: env, keys: keys})

	// The same three with the Identity Server as key manager
	// (iskm.enabled=true, iskm.serviceName=wso2is-service,
	// iskm.servicePort=9443; the traffic manager's template has 9443 fixed).
	for _, cc := range out[:3] {
		out = append(out, iskmCase(cc))
	}
	return out
}

// iskmCase is cc with the Identity Server as key manager: WSO2_KM_TYPE
// and WSO2_KM_SERVICE_URL for iskm.enabled and iskm.serviceName, and the
// keys each component's template writes (or leaves out) then.
func iskmCase(cc chartCase) chartCase {
	role := apim4.RoleOf(cc.c.profile)
	if cc.c.profile == "" {
		role = map[string]apim4.Role{"tm": apim4.RoleTM, "universal-gw": apim4.RoleGW}[cc.c.name]
	}
	out := chartCase{name: cc.c.name + "/iskm", c: cc.c, env: map[string]string{}}
	out.helm = append(append(out.helm, cc.helm...), "wso2.apim.configurations.iskm.enabled=true",
		"wso2.apim.configurations.iskm.serviceName=wso2is-service", "wso2.apim.configurations.iskm.servicePort=9443")
	for k, v := range cc.env {
		out.env[k] = v
	}
	out.env["WSO2_KM_TYPE"] = "WSO2-IS"
	out.env["WSO2_KM_SERVICE_URL"] = "wso2is-service" // bare host: 9443, no offset (not a control plane)
	for _, k := range cc.keys {
		if k.key != "apim.key_manager.service_url" {
			out.keys = append(out.keys, k)
		}
	}
	out.keys = append(out.keys,
		chartKey{key: "apim.key_manager.type", want: "WSO2-IS", rule: `type = "WSO2-IS" (iskm.enabled)`},
		chartKey{key: "apim.key_manager.service_url", want: "https://wso2is-service:9443/services/", rule: `service_url = "https://{{ iskm.serviceName }}:{{ iskm.servicePort }}/services/" (traffic manager: ":9443" fixed)`})
	if role == apim4.RoleCP || role == apim4.RoleGW {
		out.keys = append(out.keys,
			chartKey{key: "oauth.grant_type.token_exchange.enable", want: false, rule: `[oauth.grant_type.token_exchange] enable = false (iskm.enabled)`},
			chartKey{key: "oauth.grant_type.token_exchange.allow_refresh_tokens", want: true, rule: `allow_refresh_tokens = true (iskm.enabled)`},
			chartKey{key: "oauth.grant_type.token_exchange.iat_validity_period", want: "1h", rule: `iat_validity_period = "1h" (iskm.enabled)`})
	}
	if role == apim4.RoleCP || role == apim4.RoleTM {
		out.keys = append(out.keys, chartKey{key: "apim.oauth_config.revoke_endpoint", want: "https://wso2is-service:9443/oauth2/revoke",
			rule: `revoke_endpoint = "https://{{ iskm.serviceName }}:{{ iskm.servicePort }}/oauth2/revoke" (traffic manager: ":9443" fixed)`})
	}
	if role == apim4.RoleCP {
		out.removed = map[string]string{}
		for _, k := range []string{"id", "type", "name", "order", "properties.notification_endpoint", "properties.username", "properties.password", `properties."header.X-WSO2-KEY-MANAGER"`} {
			out.removed["event_listener[0]."+k] = `{{- if not iskm.enabled }} [[event_listener]] id = "token_revocation" ... {{- end }}`
		}
	}
	return out
}

// TestAPIM4HelmChart: for the same inputs, every deployment.toml key the
// agent writes has exactly the value, type and list shape the Helm chart
// 4.5.0-10 of the component writes (read back with BurntSushi/toml), and
// the agent writes no key the list does not name. Where the agent differs
// on purpose (the chart is plainly wrong, or node_ip) the README says so.
func TestAPIM4HelmChart(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cc := range chartCases() {
		name := cc.name
		if name == "" {
			name = cc.c.name
		}
		t.Run(name, func(t *testing.T) {
			home := a4Layout(t, cc.c)
			stock, err := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
			if err != nil {
				t.Fatal(err)
			}
			env := a4BaseEnv(t, cc.c, home)
			for k, v := range cc.env {
				env[k] = v
			}
			a4Keystores(t, home, env)
			mustApply(t, env, goldenDNS)
			got, err := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
			if err != nil {
				t.Fatal(err)
			}
			before, after := flattenTOML(readTOML(t, stock)), flattenTOML(readTOML(t, got))
			named := map[string]bool{}
			for _, k := range cc.keys {
				if named[k.key] {
					t.Fatalf("%s listed twice", k.key)
				}
				named[k.key] = true
				v, ok := after[k.key]
				if !ok {
					t.Errorf("%s: not written; the chart writes %#v (%s)", k.key, k.want, k.rule)
					continue
				}
				if !reflect.DeepEqual(v, k.want) {
					t.Errorf("%s = %#v (%T), the chart writes %#v (%T): %s", k.key, v, v, k.want, k.want, k.rule)
				}
				if k.chart != nil {
					if reflect.DeepEqual(k.chart, k.want) {
						t.Errorf("%s: a difference from the chart that is none", k.key)
					}
					if !strings.Contains(string(readme), k.readme) {
						t.Errorf("%s differs from the chart (%#v) but the README does not say so (%q)", k.key, k.chart, k.readme)
					}
				}
			}
			// Every key the agent wrote (added or changed) is one the chart
			// writes, with its value checked above.
			var extra []string
			for k, v := range after {
				if old, ok := before[k]; (!ok || !reflect.DeepEqual(old, v)) && !named[k] {
					extra = append(extra, fmt.Sprintf("%s = %#v", k, v))
				}
			}
			for k := range before {
				if _, ok := after[k]; !ok && cc.removed[k] == "" {
					extra = append(extra, k+" removed")
				}
			}
			for k, rule := range cc.removed {
				if _, ok := before[k]; !ok {
					t.Errorf("%s: not in the stock file, so not removed by the chart (%s)", k, rule)
				}
				if v, ok := after[k]; ok {
					t.Errorf("%s = %#v is still there; the chart leaves it out: %s", k, v, rule)
				}
			}
			sort.Strings(extra)
			for _, e := range extra {
				t.Errorf("the agent wrote %s, which the list of chart keys does not name", e)
			}
		})
	}
}

// flattenTOML maps every leaf of a decoded document to its path: "a.b.c",
// "a.b[1].c" inside an array of tables; arrays of values are leaves.
func flattenTOML(m map[string]any) map[string]any {
	out := map[string]any{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				name := k
				if strings.ContainsAny(k, ". ") {
					name = `"` + k + `"`
				}
				if prefix != "" {
					name = prefix + "." + name
				}
				walk(name, e)
			}
		case []map[string]any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", prefix, i), e)
			}
		default:
			out[prefix] = v
		}
	}
	walk("", m)
	return out
}

// TestAPIM4IdentityServerKMRestart: with the Identity Server as key
// manager, a restart with the same variables changes nothing: the
// revocation listener, removed once, is not looked for again as a change.
func TestAPIM4IdentityServerKMRestart(t *testing.T) {
	cc := iskmCase(chartCases()[0])
	home := a4Layout(t, cc.c)
	env := a4BaseEnv(t, cc.c, home)
	for k, v := range cc.env {
		env[k] = v
	}
	a4Keystores(t, home, env)
	mustApply(t, env, goldenDNS)
	p, err := planFor(t, env, goldenDNS)
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Changed(); len(c) != 0 {
		t.Errorf("restart would change %v", c)
	}
}
