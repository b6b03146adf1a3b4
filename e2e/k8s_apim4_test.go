package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	k8syaml "sigs.k8s.io/yaml"
)

// k8sTyped are the kinds deploy/kubernetes may hold, as the API server's
// own Go types.
var k8sTyped = map[string]func() any{
	"v1/Namespace":                  func() any { return &corev1.Namespace{} },
	"v1/Secret":                     func() any { return &corev1.Secret{} },
	"v1/ConfigMap":                  func() any { return &corev1.ConfigMap{} },
	"v1/PersistentVolumeClaim":      func() any { return &corev1.PersistentVolumeClaim{} },
	"v1/Service":                    func() any { return &corev1.Service{} },
	"apps/v1/Deployment":            func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":           func() any { return &appsv1.StatefulSet{} },
	"batch/v1/Job":                  func() any { return &batchv1.Job{} },
	"policy/v1/PodDisruptionBudget": func() any { return &policyv1.PodDisruptionBudget{} },
}

// typedDoc is one manifest document decoded into its API type.
type typedDoc struct {
	file, kind, name string
	obj              any
}

// loadTyped decodes every document under dir (recursively) into its
// k8s.io/api type with sigs.k8s.io/yaml's strict mode: a field the type
// does not have (a typo, a wrong level), a duplicate field or a wrongly
// typed value fails, as `kubectl apply --validate=strict` would.
func loadTyped(t *testing.T, dir string) []typedDoc {
	t.Helper()
	var out []typedDoc
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, repoRoot+"/"))
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
			if strings.TrimSpace(regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(doc, "")) == "" {
				continue
			}
			var meta struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := k8syaml.Unmarshal([]byte(doc), &meta); err != nil {
				t.Errorf("%s document %d: %v", rel, i+1, err)
				continue
			}
			mk, ok := k8sTyped[meta.APIVersion+"/"+meta.Kind]
			if !ok {
				t.Errorf("%s document %d: %s/%s is not a kind these manifests may use", rel, i+1, meta.APIVersion, meta.Kind)
				continue
			}
			o := mk()
			if err := k8syaml.UnmarshalStrict([]byte(doc), o); err != nil {
				t.Errorf("%s document %d (%s): %v", rel, i+1, meta.Kind, err)
				continue
			}
			name := ""
			if m, ok := o.(interface{ GetName() string }); ok {
				name = m.GetName()
			}
			out = append(out, typedDoc{rel, meta.Kind, name, o})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestKubernetesStrict: every manifest under deploy/kubernetes (2.0.0) and
// deploy/kubernetes-apim4 (API Manager 4.5) is a valid object of the real API types, with no unknown
// or duplicate field; names and port names follow the API's rules.
func TestKubernetesStrict(t *testing.T) {
	docs := append(loadTyped(t, filepath.Join(repoRoot, "deploy", "kubernetes")), loadTyped(t, filepath.Join(repoRoot, "deploy", "kubernetes-apim4"))...)
	if len(docs) < 20 {
		t.Fatalf("only %d manifests decoded", len(docs))
	}
	dns1123 := regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	portName := regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	checkPorts := func(d typedDoc, names []string) {
		for _, n := range names {
			if n != "" && (len(n) > 15 || !portName.MatchString(n)) {
				t.Errorf("%s: %s/%s: port name %q is not an IANA service name (at most 15 lowercase letters, digits, '-')", d.file, d.kind, d.name, n)
			}
		}
	}
	for _, d := range docs {
		if !dns1123.MatchString(d.name) || len(d.name) > 63 {
			t.Errorf("%s: %s name %q is not a DNS label", d.file, d.kind, d.name)
		}
		var pod *corev1.PodSpec
		switch o := d.obj.(type) {
		case *appsv1.Deployment:
			pod = &o.Spec.Template.Spec
		case *appsv1.StatefulSet:
			pod = &o.Spec.Template.Spec
		case *batchv1.Job:
			pod = &o.Spec.Template.Spec
		case *corev1.Service:
			var names []string
			for _, p := range o.Spec.Ports {
				names = append(names, p.Name)
			}
			checkPorts(d, names)
		}
		if pod == nil {
			continue
		}
		for _, c := range append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...) {
			var names []string
			for _, p := range c.Ports {
				names = append(names, p.Name)
			}
			checkPorts(d, names)
		}
	}
}

// helmVariables are the agent variables of the README's "Helm value →
// variable" table (the apim4 section owns it).
func helmVariables(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, "<!-- BEGIN apim4 helm table -->"), strings.Index(s, "<!-- END apim4 helm table -->")
	if i < 0 || j < i {
		t.Fatal("README.md: no apim4 helm table markers")
	}
	seen := map[string]bool{}
	var out []string
	for _, line := range strings.Split(s[i:j], "\n") {
		cols := strings.Split(line, "|")
		if len(cols) < 4 {
			continue
		}
		for _, m := range regexp.MustCompile("`(WSO2_[A-Z0-9_]+)`").FindAllStringSubmatch(cols[2], -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				out = append(out, m[1])
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("README helm table: only %d variables found", len(out))
	}
	return out
}

// helmNotSet are the table's variables pattern 3 leaves at the agent's
// default on purpose, and why.
var helmNotSet = map[string]string{
	"WSO2_DB_TYPE":                        "derived from the JDBC URL (mysql)",
	"WSO2_DB_DRIVER":                      "derived from the JDBC URL (com.mysql.cj.jdbc.Driver)",
	"WSO2_THROTTLING_PORT_OFFSET":         "the traffic managers run at offset 0",
	"WSO2_DEPLOYMENT_TOML":                "no extraConfigs in the default deployment",
	"WSO2_KM_TYPE":                        "the control planes are the key manager (iskm.enabled is false by default)",
	"WSO2_CONFIG_VOLUME":                  "the images' default, the charts' path",
	"WSO2_ARTIFACT_VOLUME":                "the images' default, the charts' path",
	"WSO2_KEYSTORE_PRIMARY_PASSWORD":      "WSO2_KEYSTORE_PASSWORD covers every keystore",
	"WSO2_KEYSTORE_PRIMARY_KEY_PASSWORD":  "WSO2_KEYSTORE_PASSWORD covers every keystore",
	"WSO2_KEYSTORE_TLS_PASSWORD":          "WSO2_KEYSTORE_PASSWORD covers every keystore",
	"WSO2_KEYSTORE_TLS_KEY_PASSWORD":      "WSO2_KEYSTORE_PASSWORD covers every keystore",
	"WSO2_KEYSTORE_INTERNAL_PASSWORD":     "WSO2_KEYSTORE_PASSWORD covers every keystore",
	"WSO2_KEYSTORE_INTERNAL_KEY_PASSWORD": "WSO2_KEYSTORE_PASSWORD covers every keystore",
	"WSO2_PROXY_PORT_HTTP":                "no ingress in front: clients reach the servers' own ports (the charts' 80 is their ingress's)",
	"WSO2_PROXY_PORT_HTTPS":               "no ingress in front: clients reach the servers' own ports (the charts' 443 is their ingress's)",
}

// haPeer is, for each instance of pattern 3's highly available pairs, the
// other one: what the charts' highAvailability points its event copies at.
// A gateway has none.
var haPeer = map[string]string{"acp-1": "acp-2", "acp-2": "acp-1", "tm-1": "tm-2", "tm-2": "tm-1"}

// checkHelmCoverage fails for a variable of the Helm table that no
// component sets (directly or as NAME_FILE) and that helmNotSet does not
// explain.
// checkAPIMDB: the control planes and traffic managers use the mysql
// service's apim_db; a gateway is given none, as the gateway chart and the
// universal gateway's own deployment.toml have none (the agent would add
// the table).
func checkAPIMDB(t *testing.T, id, name string, env map[string]string) {
	t.Helper()
	db, set := env["WSO2_APIM_DB_URL"]
	switch gw := strings.HasPrefix(name, "gw") || strings.Contains(name, "gateway"); {
	case gw && set:
		t.Errorf("%s: a gateway given WSO2_APIM_DB_URL %q: the gateway chart writes no apim_db", id, db)
	case !gw && !strings.HasPrefix(db, "jdbc:mysql://mysql:3306/apim_db"):
		t.Errorf("%s: WSO2_APIM_DB_URL %q, want the mysql service's apim_db", id, db)
	}
}

func checkHelmCoverage(t *testing.T, where string, set map[string]bool, alsoNotSet map[string]string) {
	t.Helper()
	for _, v := range helmVariables(t) {
		if set[v] || set[v+"_FILE"] || helmNotSet[v] != "" || alsoNotSet[v] != "" {
			continue
		}
		t.Errorf("%s: Helm value variable %s is set by no component", where, v)
	}
}

// TestKubernetesAPIM4 checks pattern 3 (deploy/kubernetes-apim4) through the
// API types: two control planes, two traffic managers, two gateways, MySQL;
// the agent's contract for every variable; secrets only as files; the
// keystore secret in the config volume; probes; limits; grace above the
// agent's stop timeout; anti-affinity.
func TestKubernetesAPIM4(t *testing.T) {
	c := loadContract(t)
	docs := loadTyped(t, filepath.Join(repoRoot, "deploy", "kubernetes-apim4"))
	deployments := map[string]*appsv1.Deployment{}
	services := map[string]*corev1.Service{}
	secrets := map[string]*corev1.Secret{}
	pdbs := map[string]*policyv1.PodDisruptionBudget{}
	for _, d := range docs {
		if ns := d.obj.(interface{ GetNamespace() string }).GetNamespace(); d.kind != "Namespace" && ns != "apim" {
			t.Errorf("%s: %s/%s in namespace %q, want apim", d.file, d.kind, d.name, ns)
		}
		switch o := d.obj.(type) {
		case *appsv1.Deployment:
			deployments[o.Name] = o
		case *corev1.Service:
			services[o.Name] = o
		case *corev1.Secret:
			secrets[o.Name] = o
		case *policyv1.PodDisruptionBudget:
			pdbs[o.Name] = o
		}
	}
	replicas := map[string]int32{}
	for _, want := range []struct {
		name, image string
		replicas    int32
	}{{"acp-1", "apim-acp", 1}, {"acp-2", "apim-acp", 1}, {"tm-1", "apim-tm", 1}, {"tm-2", "apim-tm", 1}, {"gw", "apim-universal-gw", 2}, {"mysql", "", 1}} {
		d, ok := deployments[want.name]
		if !ok {
			t.Errorf("no Deployment %s", want.name)
			continue
		}
		if d.Spec.Replicas == nil || *d.Spec.Replicas != want.replicas {
			t.Errorf("Deployment %s: replicas %v, want %d", want.name, d.Spec.Replicas, want.replicas)
		}
		if want.image != "" && !strings.HasPrefix(d.Spec.Template.Spec.Containers[0].Image, "wso2/"+want.image+":") {
			t.Errorf("Deployment %s: image %s, want wso2/%s (images/%s)", want.name, d.Spec.Template.Spec.Containers[0].Image, want.image, want.image)
		}
		role := d.Spec.Template.Labels["app"]
		replicas[role] += *d.Spec.Replicas
	}
	for role, n := range map[string]int32{"acp": 2, "tm": 2, "gw": 2} {
		if replicas[role] != n {
			t.Errorf("%s: %d replicas in all, want %d", role, replicas[role], n)
		}
	}
	// Every Service selects pods; the hosts the components name exist.
	for name, s := range services {
		found := false
		for _, d := range deployments {
			if len(s.Spec.Selector) > 0 && labelsMatch(s.Spec.Selector, d.Spec.Template.Labels) {
				found = true
			}
		}
		if !found {
			t.Errorf("Service %s selects no pods", name)
		}
	}

	// Every port the charts' Services expose (the gateway's WebSocket and
	// WebSub ports included) is on the Service of the same role here.
	for name, ports := range map[string][]int32{
		"gw":  {8280, 8243, 9763, 9443, 9099, 8099, 9021, 8021},
		"acp": {9763, 9443}, "acp-1": {9611, 9711, 5672, 9443}, "acp-2": {9611, 9711, 5672, 9443},
		"tm": {9763, 9443}, "tm-1": {9611, 9711, 5672, 9443}, "tm-2": {9611, 9711, 5672, 9443},
	} {
		s := services[name]
		if s == nil {
			t.Errorf("no Service %s", name)
			continue
		}
		have := map[int32]bool{}
		for _, p := range s.Spec.Ports {
			have[p.Port] = true
		}
		for _, p := range ports {
			if !have[p] {
				t.Errorf("Service %s: no port %d (the chart's Service has it)", name, p)
			}
		}
	}

	// A budget per role (control planes, traffic managers, gateways) that
	// selects the role's pods and keeps one of them up.
	for _, role := range []string{"acp", "tm", "gw"} {
		var found *policyv1.PodDisruptionBudget
		for _, p := range pdbs {
			if p.Spec.Selector != nil && len(p.Spec.Selector.MatchLabels) > 0 && labelsMatch(p.Spec.Selector.MatchLabels, map[string]string{"app": role}) {
				found = p
			}
		}
		switch {
		case found == nil:
			t.Errorf("no PodDisruptionBudget selects app=%s", role)
		case found.Spec.MinAvailable == nil || found.Spec.MinAvailable.IntValue() != 1:
			t.Errorf("PodDisruptionBudget %s: minAvailable %v, want 1 (of two)", found.Name, found.Spec.MinAvailable)
		}
	}

	allSet := map[string]bool{}
	for name, d := range deployments {
		if name == "mysql" {
			continue
		}
		pod := d.Spec.Template.Spec
		id := "Deployment " + name
		if !labelsMatch(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
			t.Errorf("%s: selector does not select its pods", id)
		}
		ct := pod.Containers[0]
		files := map[string]bool{}
		volumes := map[string]corev1.Volume{}
		for _, v := range pod.Volumes {
			volumes[v.Name] = v
		}
		keystoreMounted := false
		for _, m := range ct.VolumeMounts {
			v, ok := volumes[m.Name]
			if !ok {
				t.Errorf("%s: mounts undefined volume %s", id, m.Name)
				continue
			}
			if v.Secret == nil {
				continue
			}
			s, ok := secrets[v.Secret.SecretName]
			for _, it := range v.Secret.Items {
				files[filepath.Join(m.MountPath, it.Path)] = true
				if ok {
					if _, has := s.StringData[it.Key]; !has {
						t.Errorf("%s: Secret %s has no key %s", id, s.Name, it.Key)
					}
				}
			}
			if v.Secret.SecretName == "apim-keystore-secret" {
				var keys []string
				for _, it := range v.Secret.Items {
					keys = append(keys, it.Key)
				}
				sort.Strings(keys)
				if m.MountPath == "/home/wso2carbon/wso2-config-volume/repository/resources/security" && m.ReadOnly &&
					strings.Join(keys, ",") == "client-truststore.jks,wso2carbon.jks,wso2internal.jks" {
					keystoreMounted = true
				}
			} else if !ok {
				t.Errorf("%s: Secret %s is not defined", id, v.Secret.SecretName)
			}
		}
		if !keystoreMounted {
			t.Errorf("%s: apim-keystore-secret (wso2carbon.jks, client-truststore.jks, wso2internal.jks) is not mounted read-only into the config volume's repository/resources/security", id)
		}
		env := map[string]string{}
		for _, e := range ct.Env {
			env[e.Name] = e.Value
			allSet[e.Name] = true
			if msg := c.checkName(e.Name); msg != "" {
				t.Errorf("%s: %s", id, msg)
			}
			if c.vars[e.Name] {
				t.Errorf("%s: secret %s given as a value: use %s_FILE", id, e.Name, e.Name)
			}
			if strings.HasSuffix(e.Name, "_FILE") && !files[e.Value] {
				t.Errorf("%s: %s=%s is not a mounted secret file", id, e.Name, e.Value)
			}
		}
		if e := findEnv(ct.Env, "WSO2_NODE_IP"); e == nil || e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != "status.podIP" {
			t.Errorf("%s: WSO2_NODE_IP is not the pod IP (the charts' NODE_IP)", id)
		}
		// Probes: `agent health` for readiness and liveness, TCP for startup.
		for what, p := range map[string]*corev1.Probe{"readiness": ct.ReadinessProbe, "liveness": ct.LivenessProbe} {
			if p == nil || p.Exec == nil || strings.Join(p.Exec.Command, " ") != "/usr/local/bin/agent health" {
				t.Errorf("%s: %s probe is not `agent health`", id, what)
			} else if p.TimeoutSeconds < 5 {
				t.Errorf("%s: %s probe timeout %ds is below agent health's own 4s + margin", id, what, p.TimeoutSeconds)
			}
		}
		if ct.StartupProbe == nil || ct.StartupProbe.TCPSocket == nil || ct.StartupProbe.TCPSocket.Port.IntValue() != 9443 {
			t.Errorf("%s: no startup probe on TCP 9443", id)
		}
		if ct.Resources.Limits.Cpu().IsZero() || ct.Resources.Limits.Memory().IsZero() || ct.Resources.Requests.Memory().IsZero() {
			t.Errorf("%s: resource limits/requests missing", id)
		}
		grace := 30 * time.Second
		if pod.TerminationGracePeriodSeconds != nil {
			grace = time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
		}
		// The charts' preStop sleep (10s) lets the pod leave the Services'
		// endpoints before the server stops; the grace period covers it
		// and the agent's stop timeout after it.
		var preStop time.Duration
		if ct.Lifecycle == nil || ct.Lifecycle.PreStop == nil || ct.Lifecycle.PreStop.Exec == nil ||
			len(ct.Lifecycle.PreStop.Exec.Command) != 2 || ct.Lifecycle.PreStop.Exec.Command[0] != "sleep" {
			t.Errorf("%s: no preStop `sleep N` (the charts' preStopHook.sleepSeconds: endpoints drain before SIGTERM)", id)
		} else if n, err := strconv.Atoi(ct.Lifecycle.PreStop.Exec.Command[1]); err != nil || n < 5 {
			t.Errorf("%s: preStop sleep %q: want whole seconds, at least 5", id, ct.Lifecycle.PreStop.Exec.Command[1])
		} else {
			preStop = time.Duration(n) * time.Second
		}
		if stop := c.stopTimeout(t, id, env); grace <= preStop+stop {
			t.Errorf("%s: terminationGracePeriodSeconds %v is not above the preStop sleep %v plus the agent's stop timeout %v", id, grace, preStop, stop)
		}
		if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
			t.Errorf("%s: runAsNonRoot is not set", id)
		}
		if pod.Affinity == nil || pod.Affinity.PodAntiAffinity == nil || len(pod.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution) == 0 ||
			pod.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution[0].PodAffinityTerm.LabelSelector.MatchLabels["app"] != d.Spec.Template.Labels["app"] {
			t.Errorf("%s: no pod anti-affinity spreading its role (app=%s)", id, d.Spec.Template.Labels["app"])
		}
		// The hosts it names are Services here.
		for _, k := range []string{"WSO2_KM_SERVICE_URL", "WSO2_EVENTHUB_SERVICE_URL", "WSO2_THROTTLING_SERVICE_URL", "WSO2_EVENTHUB_URLS", "WSO2_THROTTLING_URLS", "WSO2_EVENT_DUPLICATE_URLS", "WSO2_OAUTH2_JWKS_URL"} {
			for _, h := range strings.Split(env[k], ",") {
				if h != "" && services[h] == nil {
					t.Errorf("%s: %s names %q, which is no Service", id, k, h)
				}
			}
		}
		if got, want := env["WSO2_EVENT_DUPLICATE_URLS"], haPeer[name]; got != want {
			t.Errorf("%s: WSO2_EVENT_DUPLICATE_URLS %q, want %q (the other instance of the pair, as the charts' highAvailability)", id, got, want)
		}
		checkAPIMDB(t, id, name, env)
	}
	checkHelmCoverage(t, "deploy/kubernetes-apim4", allSet, nil)
}

func labelsMatch(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}

func findEnv(env []corev1.EnvVar, name string) *corev1.EnvVar {
	for i := range env {
		if env[i].Name == name {
			return &env[i]
		}
	}
	return nil
}

// TestSwarmStackAPIM4 checks the pattern-3 stack and compose file as the
// 2.0.0 ones are checked, plus the Helm coverage and the keystore secret.
func TestSwarmStackAPIM4(t *testing.T) {
	c := loadContract(t)
	for _, rel := range []string{"deploy/swarm/apim4-stack.yml", "deploy/compose/apim4-compose.yml"} {
		cf := loadCompose(t, rel)
		services, _ := get(cf.doc, "services").(obj)
		set := map[string]bool{}
		gwReplicas := 0
		for _, want := range []string{"mysql", "acp-1", "acp-2", "tm-1", "tm-2"} {
			if services[want] == nil {
				t.Errorf("%s: no service %s", rel, want)
			}
		}
		for name, svc := range services {
			if name == "mysql" {
				continue
			}
			id := rel + ": " + name
			if strings.HasPrefix(name, "gw") {
				n, _ := strconv.Atoi(str(svc, "deploy", "replicas"))
				if n == 0 {
					n = 1
				}
				gwReplicas += n
			}
			env := composeEnv(svc)
			secretNames := map[string]string{} // target -> source
			for _, s := range list(svc, "secrets") {
				switch v := s.(type) {
				case string:
					secretNames["/run/secrets/"+v] = v
				case obj:
					tgt := str(v, "target")
					if !strings.HasPrefix(tgt, "/") {
						tgt = "/run/secrets/" + tgt
					}
					secretNames[tgt] = str(v, "source")
				}
			}
			for k, v := range env {
				set[k] = true
				if msg := c.checkName(k); msg != "" {
					t.Errorf("%s: %s", id, msg)
				}
				if c.vars[k] {
					t.Errorf("%s: secret %s given as a value: use %s_FILE", id, k, k)
				}
				if strings.HasSuffix(k, "_FILE") && secretNames[v] == "" {
					t.Errorf("%s: %s=%s is not one of its secrets", id, k, v)
				}
			}
			for _, f := range []string{"wso2carbon.jks", "client-truststore.jks", "wso2internal.jks"} {
				if secretNames["/home/wso2carbon/wso2-config-volume/repository/resources/security/"+f] == "" {
					t.Errorf("%s: the keystore secret's %s is not mounted into the config volume", id, f)
				}
			}
			if got, want := env["WSO2_EVENT_DUPLICATE_URLS"], haPeer[name]; got != want {
				t.Errorf("%s: WSO2_EVENT_DUPLICATE_URLS %q, want %q (the other instance of the pair, as the charts' highAvailability)", id, got, want)
			}
			checkAPIMDB(t, id, name, env)
			if get(svc, "healthcheck") == nil {
				t.Errorf("%s: no healthcheck", id)
			}
			grace, err := time.ParseDuration(str(svc, "stop_grace_period"))
			if stop := c.stopTimeout(t, id, env); err != nil || grace <= stop {
				t.Errorf("%s: stop_grace_period %q is not above the agent's stop timeout %v", id, str(svc, "stop_grace_period"), stop)
			}
			if strings.HasSuffix(rel, "stack.yml") {
				if get(svc, "deploy", "resources", "limits") == nil {
					t.Errorf("%s: no resource limits", id)
				}
				if get(svc, "deploy", "placement", "preferences") == nil {
					t.Errorf("%s: no placement preference spreading replicas", id)
				}
			}
		}
		if gwReplicas != 2 {
			t.Errorf("%s: %d gateways, want 2", rel, gwReplicas)
		}
		checkHelmCoverage(t, rel, set, map[string]string{
			"WSO2_NODE_IP": "Docker has no pod IP to pass down: the agent writes the container's address itself",
		})
	}
	dockerValidate(t, "docker", "stack", "config", "-c", filepath.Join(repoRoot, "deploy/swarm/apim4-stack.yml"))
}
