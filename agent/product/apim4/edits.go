package apim4

// The deployment.toml edits of the 4.x contract: values, types and list
// shapes as WSO2's Helm charts 4.5.0-x write them (wso2/helm-apim
// distributed/{control-plane,traffic-manager,gateway}/confs/**/deployment.toml).

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/tomlconf"
)

// TOML is the file every 4.x edit targets, relative to the home.
const DeploymentTOML = "repository/conf/deployment.toml"

// tset sets one key; an unset value is not an edit.
func tset(table []string, key string, v any, secret bool) plan.TOMLEdit {
	k := tomlconf.Key(append(append([]string(nil), table...), key))
	return plan.TOMLEdit{
		What:   fmt.Sprintf("set %s", k),
		Secret: secret,
		Key:    k,
		Apply:  func(d *tomlconf.Doc) error { return d.Set(table, key, v) },
	}
}

// tsetVar sets a key from a variable, unless the file already reads that
// very variable ($env{NAME}): the server resolves it to the same value, and
// the secret stays out of the file (the $env check passes it on).
func tsetVar(table []string, key, name, v string, secret bool) plan.TOMLEdit {
	e := tset(table, key, v, secret)
	set := e.Apply
	e.Apply = func(d *tomlconf.Doc) error {
		if cur, ok := d.Get(tomlconf.Key(append(append([]string(nil), table...), key))); ok && cur == "$env{"+name+"}" {
			return nil
		}
		return set(d)
	}
	return e
}

func taot(name []string, tables []tomlconf.Table) plan.TOMLEdit {
	return plan.TOMLEdit{
		What:  fmt.Sprintf("replace [[%s]]", tomlconf.Key(name)),
		Apply: func(d *tomlconf.Doc) error { return d.ReplaceArrayOfTables(name, tables) },
	}
}

// tomlEdits returns the edits of deployment.toml for the inputs, in the order
// of the contract table; the fragment (WSO2_DEPLOYMENT_TOML) comes last so
// that it can override any of them. localIP is the container's address
// (node_ip default).
func tomlEdits(in *Inputs, profile, localIP string) []plan.TOMLEdit {
	e := in.env
	var out []plan.TOMLEdit
	add := func(t plan.TOMLEdit) { out = append(out, t) }
	str := func(name string, table []string, key string) {
		if v, ok := e.get(name); ok {
			add(tsetVar(table, key, name, v, isSecret4x(name)))
		}
	}
	server := []string{"server"}
	if h, ok := e.get("WSO2_HOSTNAME"); ok {
		add(tset(server, "hostname", h, false))
		if in.role == RoleCP && !isKeyManager(profile) {
			add(tset([]string{"apim", "devportal"}, "url", "https://"+h+"/devportal", false))
		}
	}
	if in.offsetSet {
		add(tset(server, "offset", int64(in.offset), false))
	}
	if ip, ok := e.get("WSO2_NODE_IP"); ok {
		add(tset(server, "node_ip", ip, false))
	} else if localIP != "" {
		ne := tset(server, "node_ip", localIP, false)
		set := ne.Apply
		ne.Apply = func(d *tomlconf.Doc) error {
			if cur, ok := d.Get(tomlconf.Key{"server", "node_ip"}); ok && cur == "$env{NODE_IP}" {
				return nil
			}
			return set(d)
		}
		add(ne)
	}
	str("WSO2_ADMIN_USERNAME", []string{"super_admin"}, "username")
	str("WSO2_ADMIN_PASSWORD", []string{"super_admin"}, "password")

	typeOnly := func() (string, string, bool, bool) {
		t, tok := e.get("WSO2_DB_TYPE")
		d, dok := e.get("WSO2_DB_DRIVER")
		return t, d, tok, dok
	}
	for _, db := range []string{"apim_db", "shared_db"} {
		up := "WSO2_" + strings.ToUpper(strings.TrimSuffix(db, "_db")) + "_DB_"
		table := []string{"database", db}
		if u, ok := e.get(up + "URL"); ok {
			td := in.dbTypeFrom[db]
			add(tset(table, "type", td[0], false))
			// A URL with a password in it is a secret place: render
			// shows [secret N] for it (the load warns about it).
			add(tset(table, "url", u, len(contract.URLPasswords(u)) > 0))
			str(up+"USERNAME", table, "username")
			str(up+"PASSWORD", table, "password")
			add(tset(table, "driver", td[1], false))
			continue
		}
		str(up+"USERNAME", table, "username")
		str(up+"PASSWORD", table, "password")
		// WSO2_DB_TYPE / WSO2_DB_DRIVER alone: the tables the file has.
		if t, dr, tok, dok := typeOnly(); tok || dok {
			out = append(out, plan.TOMLEdit{What: "set " + tomlconf.Key(table).String() + " type/driver", Apply: func(d *tomlconf.Doc) error {
				if _, ok := d.Get(tomlconf.Key(table)); !ok {
					return nil
				}
				if tok {
					if err := d.Set(table, "type", t); err != nil {
						return err
					}
				}
				if dok {
					return d.Set(table, "driver", dr)
				}
				return nil
			}})
		}
	}

	defPW, defSet := e.get("WSO2_KEYSTORE_PASSWORD")
	for _, ks := range []string{"primary", "tls", "internal"} {
		up := "WSO2_KEYSTORE_" + strings.ToUpper(ks) + "_"
		table := []string{"keystore", ks}
		named := false
		for _, f := range []string{"NAME", "ALIAS", "PASSWORD", "KEY_PASSWORD"} {
			if _, ok := e.get(up + f); ok {
				named = true
			}
		}
		str(up+"NAME", table, "file_name")
		str(up+"ALIAS", table, "alias")
		for _, f := range []struct{ v, key string }{{"PASSWORD", "password"}, {"KEY_PASSWORD", "key_password"}} {
			name := up + f.v
			v, ok := e.get(name)
			if !ok && f.v == "KEY_PASSWORD" {
				// The key's password follows the table's own password: the
				// server would give a key_password left out wso2carbon,
				// whatever the password.
				name = up + "PASSWORD"
				v, ok = e.get(name)
			}
			if ok {
				add(tsetVar(table, f.key, name, v, true))
				continue
			}
			if !defSet {
				continue
			}
			// The default applies to a keystore the file configures or
			// another of its variables names.
			pe := tsetVar(table, f.key, "WSO2_KEYSTORE_PASSWORD", defPW, true)
			set, isNamed := pe.Apply, named
			pe.Apply = func(d *tomlconf.Doc) error {
				if _, ok := d.Get(tomlconf.Key(table)); !ok && !isNamed {
					return nil
				}
				return set(d)
			}
			add(pe)
		}
	}
	str("WSO2_TRUSTSTORE_NAME", []string{"truststore"}, "file_name")
	str("WSO2_TRUSTSTORE_PASSWORD", []string{"truststore"}, "password")

	if in.kmType != "" {
		add(tset([]string{"apim", "key_manager"}, "type", in.kmType, false))
	}
	if in.KMURL != "" {
		add(tset([]string{"apim", "key_manager"}, "service_url", in.KMURL, false))
	}
	if in.kmType == kmTypeIS {
		// What the charts' iskm.enabled writes besides, per component.
		if in.role == RoleCP || in.role == RoleGW {
			te := []string{"oauth", "grant_type", "token_exchange"}
			add(tset(te, "enable", false, false))
			add(tset(te, "allow_refresh_tokens", true, false))
			add(tset(te, "iat_validity_period", "1h", false))
		}
		if in.role == RoleCP || in.role == RoleTM {
			add(tset([]string{"apim", "oauth_config"}, "revoke_endpoint", in.kmRevoke, false))
		}
		if in.role == RoleCP {
			// The Identity Server notifies the revocations itself: the
			// control plane's own listener goes.
			add(plan.TOMLEdit{What: "remove [[event_listener]] token_revocation", Var: "WSO2_KM_TYPE", Apply: func(d *tomlconf.Doc) error {
				return deleteListener(d, "token_revocation")
			}})
		}
	}
	eh := []string{"apim", "event_hub"}
	if in.ehURL != "" {
		add(tset(eh, "enable", true, false))
		add(tset(eh, "service_url", in.ehURL, false))
	}
	if in.EventHubListen != nil {
		add(tset(eh, "event_listening_endpoints", in.EventHubListen, false))
	}
	if in.ehHosts != nil { // a control plane: its peers, its own offset
		off := in.offsetFor(RoleCP)
		var groups []tomlconf.Table
		for _, h := range in.ehHosts {
			groups = append(groups, tomlconf.Table{
				{Key: "urls", Value: []string{fmt.Sprintf("tcp://%s:%d", h, 9611+off)}},
				{Key: "auth_urls", Value: []string{fmt.Sprintf("ssl://%s:%d", h, 9711+off)}},
			})
		}
		add(taot([]string{"apim", "event_hub", "publish", "url_group"}, groups))
	}
	th := []string{"apim", "throttling"}
	if in.dupURLs != nil {
		// Where the charts' highAvailability writes it: the event hub of a
		// control plane, the throttling of a traffic manager or all-in-one.
		table := eh
		if in.role == RoleTM || profile == allInOne {
			table = th
		}
		add(tset(table, "event_duplicate_url", in.dupURLs, false))
	}
	if in.TMURL != "" {
		add(tset(th, "service_url", in.TMURL, false))
	}
	if in.tmHosts != nil {
		off := in.offsetFor(RoleTM)
		var eps []string
		var groups []tomlconf.Table
		for _, h := range in.tmHosts {
			eps = append(eps, fmt.Sprintf("tcp://%s:%d", h, 5672+off))
			groups = append(groups, tomlconf.Table{
				{Key: "traffic_manager_urls", Value: []string{fmt.Sprintf("tcp://%s:%d", h, 9611+off)}},
				{Key: "traffic_manager_auth_urls", Value: []string{fmt.Sprintf("ssl://%s:%d", h, 9711+off)}},
				{Key: "type", Value: "loadbalance"},
			})
		}
		add(tset(th, "throttle_decision_endpoints", eps, false))
		add(taot([]string{"apim", "throttling", "url_group"}, groups))
	}
	if in.gwEnvsSet {
		var tables []tomlconf.Table
		for _, g := range in.gwEnvs {
			tables = append(tables, gatewayTable(g))
		}
		add(taot([]string{"apim", "gateway", "environment"}, tables))
	}
	if in.labelsSet {
		add(tset([]string{"apim", "sync_runtime_artifacts", "gateway"}, "gateway_labels", in.labels, false))
	}
	str("WSO2_USERSTORE_TYPE", []string{"user_store"}, "type")
	if in.jwksURL != "" {
		add(tset([]string{"oauth", "endpoints"}, "oauth2_jwks_url", in.jwksURL, false))
	}
	for _, transport := range []string{"http", "https"} {
		if n, ok := in.proxyPorts[transport]; ok {
			add(tset([]string{"transport", transport, "properties"}, "proxyPort", n, false))
		}
	}
	if in.fragment != nil {
		frag := in.fragment
		add(plan.TOMLEdit{What: "WSO2_DEPLOYMENT_TOML", Var: "WSO2_DEPLOYMENT_TOML", Apply: func(d *tomlconf.Doc) error { return d.Merge(frag) }})
	}
	return out
}

// deleteListener removes the [[event_listener]] whose id is id, with its
// properties, if the file has one.
func deleteListener(d *tomlconf.Doc, id string) error {
	list, _ := d.Get(tomlconf.Key{"event_listener"})
	elems, _ := list.([]any)
	for i, e := range elems {
		if m, ok := e.(map[string]any); ok && m["id"] == id {
			return d.DeleteArrayElement([]string{"event_listener"}, i)
		}
	}
	return nil
}

// gatewayTable is one [[apim.gateway.environment]] as the control-plane
// chart writes it (same keys, same order), with the chart's defaults for
// the fields it always writes and, unlike the chart, no endpoint for a host
// name that is not given (the chart writes "ws://" then).
func gatewayTable(g gwEnvironment) tomlconf.Table {
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	orb := func(v *bool) bool { return v == nil || *v }
	port := 9443
	if g.ServicePort != nil {
		port = *g.ServicePort
	}
	t := tomlconf.Table{
		{Key: "name", Value: g.Name},
		{Key: "type", Value: or(g.Type, "hybrid")},
		{Key: "gateway_type", Value: or(g.GatewayType, "Regular")},
		{Key: "provider", Value: or(g.Provider, "wso2")},
	}
	if len(g.Visibility) > 0 {
		t = append(t, tomlconf.KeyValue{Key: "visibility", Value: g.Visibility})
	}
	t = append(t,
		tomlconf.KeyValue{Key: "display_in_api_console", Value: orb(g.DisplayInAPIConsole)},
		tomlconf.KeyValue{Key: "description", Value: g.Description},
		tomlconf.KeyValue{Key: "show_as_token_endpoint_url", Value: orb(g.ShowAsTokenEndpointURL)},
		tomlconf.KeyValue{Key: "service_url", Value: fmt.Sprintf("https://%s:%d/services/", g.ServiceName, port)},
		tomlconf.KeyValue{Key: "username", Value: "${admin.username}"},
		tomlconf.KeyValue{Key: "password", Value: "${admin.password}"},
	)
	if g.WSHostname != "" {
		t = append(t, tomlconf.KeyValue{Key: "ws_endpoint", Value: "ws://" + g.WSHostname}, tomlconf.KeyValue{Key: "wss_endpoint", Value: "wss://" + g.WSHostname})
	}
	if g.HTTPHostname != "" {
		t = append(t, tomlconf.KeyValue{Key: "http_endpoint", Value: "http://" + g.HTTPHostname}, tomlconf.KeyValue{Key: "https_endpoint", Value: "https://" + g.HTTPHostname})
	}
	if g.WebsubHostname != "" {
		t = append(t, tomlconf.KeyValue{Key: "websub_event_receiver_http_endpoint", Value: "http://" + g.WebsubHostname}, tomlconf.KeyValue{Key: "websub_event_receiver_https_endpoint", Value: "https://" + g.WebsubHostname})
	}
	return t
}

// fragmentOverrides warns, once per key, of each key that the fragment
// (WSO2_DEPLOYMENT_TOML as parsed at load, the last edit) sets to another value than an
// edit of a variable before it: the fragment's value is the one written,
// which an operator who set the variable may not expect.
func fragmentOverrides(edits []plan.TOMLEdit, frag *tomlconf.Doc) []string {
	if frag == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, e := range edits {
		if e.Key == nil || seen[e.Key.String()] {
			continue
		}
		fv, ok := frag.Get(e.Key)
		if !ok {
			continue
		}
		own, _ := tomlconf.Parse(nil)
		if e.Apply(own) != nil {
			continue
		}
		if v, ok := own.Get(e.Key); ok && !reflect.DeepEqual(v, fv) {
			seen[e.Key.String()] = true
			out = append(out, fmt.Sprintf("WSO2_DEPLOYMENT_TOML sets %s, which the agent also sets from its variables (%s): the fragment's value is written", e.Key, e.What))
		}
	}
	return out
}
