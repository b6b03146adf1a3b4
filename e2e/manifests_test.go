package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/wso2-container/agent/agent"
)

// repoRoot is the repository root, seen from this package's directory.
const repoRoot = ".."

// contract is the agent's environment contract: every variable it reads,
// which of them are secrets, and the default stop timeout.
type contract struct {
	vars        map[string]bool // name -> secret
	stopDefault time.Duration
}

func loadContract(t *testing.T) contract {
	t.Helper()
	c := contract{vars: map[string]bool{}}
	for _, v := range agent.Vars() {
		c.vars[v.Name] = v.Secret
		if v.Name == "WSO2_AGENT_STOP_TIMEOUT" {
			d, err := time.ParseDuration(v.Default)
			if err != nil {
				t.Fatalf("agent.Vars: WSO2_AGENT_STOP_TIMEOUT default %q: %v", v.Default, err)
			}
			c.stopDefault = d
		}
	}
	if c.stopDefault == 0 {
		t.Fatal("agent.Vars: no WSO2_AGENT_STOP_TIMEOUT")
	}
	return c
}

// notAgentVars are variables the images honour without the agent reading
// them: bin/wso2server.sh reads JVM_MEM_OPTS and JAVA_OPTS.
var notAgentVars = map[string]bool{"JVM_MEM_OPTS": true, "JAVA_OPTS": true}

// checkName reports why an environment variable name is not part of what an
// agent image understands ("" when it is).
func (c contract) checkName(name string) string {
	if notAgentVars[name] {
		return ""
	}
	if _, ok := c.vars[name]; ok {
		return ""
	}
	if base, ok := strings.CutSuffix(name, "_FILE"); ok {
		if secret, known := c.vars[base]; known && secret {
			return ""
		}
		return fmt.Sprintf("%s: %s is not a secret variable of the agent, so %s is not read", name, base, name)
	}
	return fmt.Sprintf("%s is not in the agent's environment contract (agent env)", name)
}

// stopTimeout is the agent's stop timeout under env.
func (c contract) stopTimeout(t *testing.T, where string, env map[string]string) time.Duration {
	t.Helper()
	v, ok := env["WSO2_AGENT_STOP_TIMEOUT"]
	if !ok {
		return c.stopDefault
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Errorf("%s: WSO2_AGENT_STOP_TIMEOUT %q: %v", where, v, err)
	}
	return d
}

// agentImages are the image names this repository builds (images/<name>/Dockerfile).
func agentImages(t *testing.T) map[string]bool {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(repoRoot, "images", "*", "Dockerfile"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no images/*/Dockerfile found (%v)", err)
	}
	out := map[string]bool{}
	for _, p := range m {
		out[filepath.Base(filepath.Dir(p))] = true
	}
	return out
}

// agentImageName returns the component of an image reference built here
// ("wso2/gateway:latest", "${IMAGE_PREFIX:-wso2/}gateway:${IMAGE_TAG:-latest}").
func agentImageName(ref string, known map[string]bool) (string, bool) {
	ref = strings.Replace(ref, "${IMAGE_PREFIX:-wso2/}", "wso2/", 1)
	name, ok := strings.CutPrefix(ref, "wso2/")
	if !ok {
		return "", false
	}
	name, _, _ = strings.Cut(name, ":")
	return name, known[name]
}

// --- tiny helpers over decoded YAML -----------------------------------------

type obj = map[string]any

func get(m any, path ...string) any {
	for _, p := range path {
		mm, ok := m.(obj)
		if !ok {
			return nil
		}
		m = mm[p]
	}
	return m
}

func str(m any, path ...string) string {
	switch v := get(m, path...).(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func list(m any, path ...string) []any {
	l, _ := get(m, path...).([]any)
	return l
}

func decodeAll(t *testing.T, path string) []obj {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var out []obj
	for {
		var d obj
		err := dec.Decode(&d)
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("%s: %v", path, err)
		}
		if d != nil {
			out = append(out, d)
		}
	}
	return out
}

// --- Kubernetes ------------------------------------------------------------

type k8sObj struct {
	file string
	doc  obj
}

func (o k8sObj) kind() string { return str(o.doc, "kind") }
func (o k8sObj) name() string { return str(o.doc, "metadata", "name") }
func (o k8sObj) id() string   { return o.file + ": " + o.kind() + "/" + o.name() }

func (o k8sObj) namespace() string { return str(o.doc, "metadata", "namespace") }

var k8sKinds = map[string]string{
	"Namespace": "v1", "Secret": "v1", "ConfigMap": "v1", "PersistentVolumeClaim": "v1", "Service": "v1",
	"Deployment": "apps/v1", "StatefulSet": "apps/v1", "Job": "batch/v1",
}

func loadK8s(t *testing.T) []k8sObj {
	t.Helper()
	out := loadK8sFolder(t, filepath.Join(repoRoot, "deploy", "kubernetes"))
	if len(out) == 0 {
		t.Fatal("deploy/kubernetes: no manifests")
	}
	return out
}

// loadK8sFolder decodes every document of every .yaml/.yml file under dir
// (recursively), named by their path from the repository root.
func loadK8sFolder(t *testing.T, dir string) []k8sObj {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	var out []k8sObj
	for _, f := range files {
		for _, d := range decodeAll(t, f) {
			out = append(out, k8sObj{filepath.ToSlash(strings.TrimPrefix(f, repoRoot+"/")), d})
		}
	}
	return out
}

// selects reports whether selector (all its labels) matches labels.
func selects(selector, labels any) bool {
	s, _ := selector.(obj)
	l, _ := labels.(obj)
	if len(s) == 0 {
		return false
	}
	for k, v := range s {
		if l[k] != v {
			return false
		}
	}
	return true
}

func TestKubernetesManifests(t *testing.T) {
	c := loadContract(t)
	known := agentImages(t)
	objs := loadK8s(t)

	byKind := map[string]map[string]k8sObj{}
	for _, o := range objs {
		want, ok := k8sKinds[o.kind()]
		if !ok {
			t.Errorf("%s: kind %q is not expected in these manifests", o.id(), o.kind())
			continue
		}
		if got := str(o.doc, "apiVersion"); got != want {
			t.Errorf("%s: apiVersion %q, want %q", o.id(), got, want)
		}
		if o.name() == "" {
			t.Errorf("%s: metadata.name missing", o.file)
		}
		if o.kind() != "Namespace" && str(o.doc, "metadata", "namespace") != "wso2" {
			t.Errorf("%s: namespace %q, want wso2 (WSO2_DOMAIN=wso2 makes <service>.wso2 the Kubernetes DNS name)",
				o.id(), str(o.doc, "metadata", "namespace"))
		}
		if byKind[o.kind()] == nil {
			byKind[o.kind()] = map[string]k8sObj{}
		}
		if _, dup := byKind[o.kind()][o.name()]; dup {
			t.Errorf("%s: defined twice", o.id())
		}
		byKind[o.kind()][o.name()] = o
	}
	if _, ok := byKind["Namespace"]["wso2"]; !ok {
		t.Error("no Namespace wso2")
	}
	secretKeys := func(name string) (map[string]bool, bool) {
		s, ok := byKind["Secret"][name]
		if !ok {
			return nil, false
		}
		keys := map[string]bool{}
		for _, f := range []string{"stringData", "data"} {
			if m, ok := get(s.doc, f).(obj); ok {
				for k := range m {
					keys[k] = true
				}
			}
		}
		return keys, true
	}

	// Every workload, with its pod template.
	type workload struct {
		o      k8sObj
		labels any
		pod    obj
	}
	var workloads []workload
	for _, kind := range []string{"Deployment", "StatefulSet", "Job"} {
		names := make([]string, 0, len(byKind[kind]))
		for n := range byKind[kind] {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			o := byKind[kind][n]
			pod, _ := get(o.doc, "spec", "template", "spec").(obj)
			if pod == nil {
				t.Errorf("%s: no spec.template.spec", o.id())
				continue
			}
			labels := get(o.doc, "spec", "template", "metadata", "labels")
			if kind != "Job" && !selects(get(o.doc, "spec", "selector", "matchLabels"), labels) {
				t.Errorf("%s: spec.selector.matchLabels does not select the pod template's labels", o.id())
			}
			workloads = append(workloads, workload{o, labels, pod})
		}
	}
	for _, want := range []string{"mysql", "identityserver", "publisher", "store", "trafficmanager", "gatewaymanager", "gateway", "das"} {
		found := false
		for _, w := range workloads {
			found = found || (w.o.name() == want && w.o.kind() != "Job")
		}
		if !found {
			t.Errorf("no Deployment/StatefulSet %q (the old README's cluster)", want)
		}
	}
	if _, ok := byKind["Job"]["certificates"]; !ok {
		t.Error("no Job certificates")
	}
	if g, ok := byKind["Deployment"]["gateway"]; ok && str(g.doc, "spec", "replicas") != "2" {
		t.Errorf("%s: replicas %q, want 2", g.id(), str(g.doc, "spec", "replicas"))
	}

	// Services select some workload; StatefulSets have their headless Service.
	for _, s := range byKind["Service"] {
		sel := get(s.doc, "spec", "selector")
		ok := false
		for _, w := range workloads {
			ok = ok || selects(sel, w.labels)
		}
		if !ok {
			t.Errorf("%s: selector matches no workload's pods", s.id())
		}
	}
	for _, st := range byKind["StatefulSet"] {
		sn := str(st.doc, "spec", "serviceName")
		svc, ok := byKind["Service"][sn]
		if !ok || str(svc.doc, "spec", "clusterIP") != "None" {
			t.Errorf("%s: serviceName %q is not a headless Service", st.id(), sn)
		}
	}

	for _, w := range workloads {
		id := w.o.id()
		// Volumes and what they refer to.
		volumes := map[string]obj{}
		for _, v := range list(w.pod, "volumes") {
			vm, _ := v.(obj)
			volumes[str(vm, "name")] = vm
			switch {
			case get(vm, "secret") != nil:
				sname := str(vm, "secret", "secretName")
				keys, ok := secretKeys(sname)
				if !ok {
					t.Errorf("%s: volume %s: Secret %q not defined", id, str(vm, "name"), sname)
					continue
				}
				for _, it := range list(vm, "secret", "items") {
					if k := str(it, "key"); !keys[k] {
						t.Errorf("%s: volume %s: Secret %s has no key %q", id, str(vm, "name"), sname, k)
					}
				}
			case get(vm, "configMap") != nil:
				if _, ok := byKind["ConfigMap"][str(vm, "configMap", "name")]; !ok {
					t.Errorf("%s: ConfigMap %q not defined", id, str(vm, "configMap", "name"))
				}
			case get(vm, "persistentVolumeClaim") != nil:
				if _, ok := byKind["PersistentVolumeClaim"][str(vm, "persistentVolumeClaim", "claimName")]; !ok {
					t.Errorf("%s: PersistentVolumeClaim %q not defined", id, str(vm, "persistentVolumeClaim", "claimName"))
				}
			}
		}
		for _, vct := range list(w.o.doc, "spec", "volumeClaimTemplates") {
			volumes[str(vct, "metadata", "name")] = obj{"name": str(vct, "metadata", "name")}
		}

		containers := append(append([]any{}, list(w.pod, "initContainers")...), list(w.pod, "containers")...)
		for _, ct := range containers {
			cname := str(ct, "name")
			// files: the paths at which secret files appear in this container.
			files := map[string]bool{}
			for _, m := range list(ct, "volumeMounts") {
				vm, ok := volumes[str(m, "name")]
				if !ok {
					t.Errorf("%s: container %s mounts undefined volume %q", id, cname, str(m, "name"))
					continue
				}
				for _, it := range list(vm, "secret", "items") {
					files[filepath.Join(str(m, "mountPath"), str(it, "path"))] = true
				}
			}
			image := str(ct, "image")
			comp, ours := agentImageName(image, known)
			if strings.HasPrefix(image, "wso2/") && !ours {
				t.Errorf("%s: container %s: image %q is not built by this repository (images/*/Dockerfile)", id, cname, image)
			}
			env := map[string]string{}
			for _, e := range list(ct, "env") {
				name := str(e, "name")
				env[name] = str(e, "value")
				if ref := get(e, "valueFrom", "secretKeyRef"); ref != nil {
					if keys, ok := secretKeys(str(ref, "name")); !ok || !keys[str(ref, "key")] {
						t.Errorf("%s: %s: secretKeyRef %s/%s not defined", id, name, str(ref, "name"), str(ref, "key"))
					}
				}
				if strings.HasSuffix(name, "_FILE") && str(e, "value") != "" && !files[str(e, "value")] {
					t.Errorf("%s: container %s: %s=%s is not a mounted secret file", id, cname, name, str(e, "value"))
				}
				if ours {
					if msg := c.checkName(name); msg != "" {
						t.Errorf("%s: container %s: %s", id, cname, msg)
					}
					if c.vars[name] && str(e, "value") != "" {
						t.Errorf("%s: container %s: secret %s given as a plain value: use %s_FILE", id, cname, name, name)
					}
				}
			}
			if !ours || strings.HasPrefix(cname, "wait-") {
				continue
			}
			// The agent, not the kubelet, must end the server.
			if w.o.kind() != "Job" {
				grace := 30 * time.Second // Kubernetes' default
				if g := str(w.pod, "terminationGracePeriodSeconds"); g != "" {
					n, _ := strconv.Atoi(g)
					grace = time.Duration(n) * time.Second
				}
				if stop := c.stopTimeout(t, id, env); grace <= stop {
					t.Errorf("%s: terminationGracePeriodSeconds %v is not above the agent's stop timeout %v", id, grace, stop)
				}
			}
			if str(w.pod, "securityContext", "runAsNonRoot") != "true" {
				t.Errorf("%s: securityContext.runAsNonRoot is not true", id)
			}
			// Cluster members: headless Services publishing not-ready pods.
			if m := env["WSO2_CLUSTER_MEMBERS"]; m != "" {
				for _, name := range strings.Split(m, ",") {
					svc, ok := byKind["Service"][strings.TrimSuffix(strings.TrimSpace(name), ".wso2")]
					if !ok {
						t.Errorf("%s: WSO2_CLUSTER_MEMBERS: no Service %q", id, name)
						continue
					}
					if str(svc.doc, "spec", "clusterIP") != "None" || str(svc.doc, "spec", "publishNotReadyAddresses") != "true" {
						t.Errorf("%s: WSO2_CLUSTER_MEMBERS: Service %s must be headless with publishNotReadyAddresses: true", id, name)
					}
				}
			}
			if w.o.kind() != "Job" {
				if _, ok := volumes["certificates"]; !ok {
					t.Errorf("%s: %s does not mount the certificates volume", id, comp)
				}
			}
		}
	}

	// The MySQL init script is the one in deploy/mysql.
	if cm, ok := byKind["ConfigMap"]["mysql-init"]; ok {
		want, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "mysql", "01-wso2-databases.sh"))
		if err != nil {
			t.Fatal(err)
		}
		if got := str(cm.doc, "data", "01-wso2-databases.sh"); got != string(want) {
			t.Errorf("%s: 01-wso2-databases.sh differs from deploy/mysql/01-wso2-databases.sh", cm.id())
		}
	}
}

// --- Swarm stack and compose ----------------------------------------------

type composeFile struct {
	path string
	doc  obj
}

func loadCompose(t *testing.T, rel string) composeFile {
	t.Helper()
	p := filepath.Join(repoRoot, rel)
	docs := decodeAll(t, p)
	if len(docs) != 1 {
		t.Fatalf("%s: %d YAML documents, want 1", rel, len(docs))
	}
	return composeFile{rel, docs[0]}
}

// composeEnv returns a service's environment (map or list form).
func composeEnv(svc any) map[string]string {
	out := map[string]string{}
	switch e := get(svc, "environment").(type) {
	case obj:
		for k, v := range e {
			out[k] = fmt.Sprint(v)
		}
	case []any:
		for _, kv := range e {
			k, v, _ := strings.Cut(fmt.Sprint(kv), "=")
			out[k] = v
		}
	}
	return out
}

func composeNames(l []any, key string) []string {
	var out []string
	for _, x := range l {
		switch v := x.(type) {
		case string:
			out = append(out, v)
		case obj:
			out = append(out, str(v, key))
		}
	}
	return out
}

func checkCompose(t *testing.T, cf composeFile, c contract, known map[string]bool, wantServices []string) {
	services, _ := get(cf.doc, "services").(obj)
	if len(services) == 0 {
		t.Fatalf("%s: no services", cf.path)
	}
	for _, s := range wantServices {
		if _, ok := services[s]; !ok {
			t.Errorf("%s: no service %q (the old README's cluster)", cf.path, s)
		}
	}
	topSecrets, _ := get(cf.doc, "secrets").(obj)
	topVolumes, _ := get(cf.doc, "volumes").(obj)
	for name, svc := range services {
		id := cf.path + ": service " + name
		secrets := map[string]bool{}
		for _, s := range composeNames(list(svc, "secrets"), "source") {
			if _, ok := topSecrets[s]; !ok {
				t.Errorf("%s: secret %q is not declared at the top level", id, s)
			}
			secrets[s] = true
		}
		mounts := map[string]string{} // target -> named volume
		for _, v := range list(svc, "volumes") {
			src, target := "", ""
			switch vv := v.(type) {
			case string:
				// A source may be a variable with a default path,
				// ${WSO2_DBSCRIPTS:-../../images/...}: a bind mount.
				rest := vv
				if strings.HasPrefix(rest, "${") {
					if i := strings.Index(rest, "}"); i > 0 {
						src, rest = rest[:i+1], rest[i+1:]
						target, _, _ = strings.Cut(strings.TrimPrefix(rest, ":"), ":")
					}
				} else if parts := strings.Split(vv, ":"); len(parts) >= 2 {
					src, target = parts[0], parts[1]
				}
			case obj:
				src, target = str(vv, "source"), str(vv, "target")
			}
			if !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") && !strings.HasPrefix(src, "${") {
				if _, ok := topVolumes[src]; !ok {
					t.Errorf("%s: volume %q is not declared at the top level", id, src)
				}
			}
			mounts[target] = src
		}
		comp, ours := agentImageName(str(svc, "image"), known)
		if strings.Contains(str(svc, "image"), "IMAGE_PREFIX") && !ours {
			t.Errorf("%s: image %q is not built by this repository", id, str(svc, "image"))
		}
		env := composeEnv(svc)
		for k, v := range env {
			if strings.HasSuffix(k, "_FILE") {
				s, ok := strings.CutPrefix(v, "/run/secrets/")
				if !ok || !secrets[s] {
					t.Errorf("%s: %s=%s is not one of the service's secrets (/run/secrets/<name>)", id, k, v)
				}
			}
			if !ours {
				continue
			}
			if msg := c.checkName(k); msg != "" {
				t.Errorf("%s: %s", id, msg)
			}
			if c.vars[k] {
				t.Errorf("%s: secret %s given as a plain value: use %s_FILE", id, k, k)
			}
		}
		if !ours || comp == "certificates" || comp == "admin-password" {
			continue
		}
		// A server component.
		if mounts["/certificates"] != "certificates" {
			t.Errorf("%s: the certificates volume is not mounted at /certificates", id)
		}
		if get(svc, "healthcheck") == nil {
			t.Errorf("%s: no healthcheck", id)
		}
		g := str(svc, "stop_grace_period")
		grace, err := time.ParseDuration(g)
		if err != nil {
			t.Errorf("%s: stop_grace_period %q: want a duration above the agent's stop timeout (Docker's default 10s is below it)", id, g)
		} else if stop := c.stopTimeout(t, id, env); grace <= stop {
			t.Errorf("%s: stop_grace_period %v is not above the agent's stop timeout %v", id, grace, stop)
		}
	}
}

var oldCluster = []string{"mysql", "certificates", "identityserver", "publisher", "store", "trafficmanager", "gatewaymanager", "das"}

func TestSwarmStack(t *testing.T) {
	c := loadContract(t)
	cf := loadCompose(t, "deploy/swarm/wso2-stack.yml")
	checkCompose(t, cf, c, agentImages(t), append(oldCluster, "gateway"))
	if r := str(cf.doc, "services", "gateway", "deploy", "replicas"); r != "2" {
		t.Errorf("%s: gateway replicas %q, want 2", cf.path, r)
	}
	for name, s := range get(cf.doc, "secrets").(obj) {
		if str(s, "external") != "true" {
			t.Errorf("%s: secret %s: want external (docker secret create), not a file in the stack", cf.path, name)
		}
	}
	dockerValidate(t, "docker", "stack", "config", "-c", filepath.Join(repoRoot, cf.path))
}

func TestComposeFile(t *testing.T) {
	c := loadContract(t)
	cf := loadCompose(t, "deploy/compose/docker-compose.yml")
	checkCompose(t, cf, c, agentImages(t), append(oldCluster, "gateway-1", "gateway-2"))
	// Both gateways answer to the DNS name "gateway" (like tasks.gateway).
	for _, g := range []string{"gateway-1", "gateway-2"} {
		aliases := list(cf.doc, "services", g, "networks", "wso2", "aliases")
		if len(aliases) != 1 || aliases[0] != "gateway" {
			t.Errorf("%s: %s: network aliases %v, want [gateway]", cf.path, g, aliases)
		}
	}
	// Components start after the certificates job has completed.
	for name := range get(cf.doc, "services").(obj) {
		if _, ours := agentImageName(str(cf.doc, "services", name, "image"), agentImages(t)); !ours ||
			name == "certificates" || name == "admin-password" {
			continue
		}
		if got := str(cf.doc, "services", name, "depends_on", "certificates", "condition"); got != "service_completed_successfully" {
			t.Errorf("%s: %s: depends_on certificates condition %q, want service_completed_successfully", cf.path, name, got)
		}
	}
	p := filepath.Join(repoRoot, cf.path)
	if err := exec.Command("docker", "compose", "version").Run(); err == nil {
		dockerValidate(t, "docker", "compose", "-f", p, "config", "-q")
	} else {
		dockerValidate(t, "docker-compose", "-f", p, "config", "-q")
	}
}

// dockerValidate runs a Docker CLI validator (no engine needed). Without the
// Docker CLI it prints that the check was skipped: that is the case of a
// machine without Docker, where the Docker tests are skipped too.
func dockerValidate(t *testing.T, name string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		fmt.Printf("SKIPPED: %s %s: %s is not installed (no Docker on this machine)\n", name, strings.Join(args, " "), name)
		t.Skipf("%s not installed", name)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
