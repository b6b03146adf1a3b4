package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/wso2-container/agent/internal/kubeapi"
)

// kubeFolders are the Kubernetes manifest folders `kubectl apply -f` is
// documented for (each applied recursively: jobs/ included): every folder
// under deploy/ whose name starts with "kubernetes", at the top or one level
// down (deploy/kubernetes, deploy/pattern3/kubernetes, ...).
func kubeFolders(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"deploy/kubernetes*", "deploy/*/kubernetes*"} {
		m, err := filepath.Glob(filepath.Join(repoRoot, pat))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				rel, _ := filepath.Rel(repoRoot, p)
				out = append(out, rel)
			}
		}
	}
	sort.Strings(out)
	return out
}

// restrictedLabels are the Pod Security labels every namespace of the
// manifests carries: enforce, warn and audit at the restricted level.
var restrictedLabels = map[string]string{
	"pod-security.kubernetes.io/enforce": "restricted",
	"pod-security.kubernetes.io/warn":    "restricted",
	"pod-security.kubernetes.io/audit":   "restricted",
}

// podTemplate returns the pod template of a workload, or nil.
func podTemplate(o k8sObj) map[string]any {
	get := func(m map[string]any, keys ...string) map[string]any {
		for _, k := range keys {
			next, _ := m[k].(map[string]any)
			if next == nil {
				return nil
			}
			m = next
		}
		return m
	}
	switch o.kind() {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
		return get(o.doc, "spec", "template")
	case "CronJob":
		return get(o.doc, "spec", "jobTemplate", "spec", "template")
	}
	return nil
}

// claimsAsEmptyDirs returns a copy of a StatefulSet's pod spec with an
// emptyDir volume for each of its volumeClaimTemplates.
func claimsAsEmptyDirs(o k8sObj, spec map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range spec {
		out[k] = v
	}
	sts, _ := o.doc["spec"].(map[string]any)
	claims, _ := sts["volumeClaimTemplates"].([]any)
	vols, _ := spec["volumes"].([]any)
	vols = append([]any(nil), vols...)
	for _, c := range claims {
		cm, _ := c.(map[string]any)
		meta, _ := cm["metadata"].(map[string]any)
		vols = append(vols, map[string]any{"name": meta["name"], "emptyDir": map[string]any{}})
	}
	out["volumes"] = vols
	return out
}

// warnings picks kubectl's warning lines out of its stderr.
func warnings(stderr string) []string {
	var w []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "Warning:") {
			w = append(w, strings.TrimSpace(l))
		}
	}
	return w
}

// TestKubernetesManifestsOnRealAPIServer (issue 19): every object of the
// Kubernetes manifests is accepted by a real kube-apiserver — server-side
// dry run with strict validation, after the manifests' own namespaces were
// created for real — with no warning at all; every namespace enforces (and
// warns and audits) the restricted Pod Security Standard; and a Pod made
// from each workload's template is admitted by that enforcement (the
// warnings on a Deployment come from `warn`; a Pod is what `enforce`
// judges).
//
// It needs a kube-apiserver (tools/kube-apiserver, built and cached by
// scripts/kube-apiserver.sh, which `make test` runs and which exports
// KUBE_APISERVER), etcd and kubectl; without them it is skipped, saying
// why.
func TestKubernetesManifestsOnRealAPIServer(t *testing.T) {
	bins, err := kubeapi.Find("")
	if err != nil {
		if reason, rerr := os.ReadFile(filepath.Join(repoRoot, ".cache", "kube-apiserver.skip")); rerr == nil {
			err = fmt.Errorf("%v (%s)", err, strings.TrimSpace(string(reason)))
		}
		t.Skipf("SKIPPED: the real API server test cannot run here: %v", err)
	}
	srv := kubeapi.Start(t, bins, 3*time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	folders := kubeFolders(t)
	if len(folders) == 0 {
		t.Fatal("no Kubernetes manifest folder under deploy/")
	}
	for _, rel := range folders {
		dir := filepath.Join(repoRoot, rel)
		t.Run(strings.ReplaceAll(rel, "/", "_"), func(t *testing.T) {
			objs := loadK8sFolder(t, dir)
			namespaces := map[string]k8sObj{}
			used := map[string]bool{}
			for _, o := range objs {
				if o.kind() == "Namespace" {
					namespaces[o.name()] = o
				} else if ns := o.namespace(); ns != "" {
					used[ns] = true
				} else {
					t.Errorf("%s: %s %s has no metadata.namespace (kubectl apply -f would put it in the current namespace)", o.file, o.kind(), o.name())
				}
			}
			for ns := range used {
				o, ok := namespaces[ns]
				if !ok {
					t.Errorf("namespace %s is used but not among the manifests", ns)
					continue
				}
				meta, _ := o.doc["metadata"].(map[string]any)
				labels, _ := meta["labels"].(map[string]any)
				for k, v := range restrictedLabels {
					if labels[k] != v {
						t.Errorf("%s: namespace %s: label %s=%v, want %s", o.file, ns, k, labels[k], v)
					}
				}
			}
			// The namespaces for real (a dry run of a namespaced object needs
			// its namespace), with the ServiceAccount that the controller
			// manager (not running here) would create, for the Pod checks.
			names := make([]string, 0, len(namespaces))
			for ns := range namespaces {
				names = append(names, ns)
			}
			sort.Strings(names)
			for _, ns := range names {
				b, err := yaml.Marshal(namespaces[ns].doc)
				if err != nil {
					t.Fatal(err)
				}
				if out, se, err := srv.Kubectl(ctx, b, "apply", "--validate=strict", "-f", "-"); err != nil || len(warnings(se)) > 0 {
					t.Fatalf("create namespace %s: %v\n%s%s", ns, err, out, se)
				}
				if _, se, err := srv.Kubectl(ctx, nil, "create", "serviceaccount", "default", "-n", ns); err != nil && !strings.Contains(se, "AlreadyExists") {
					t.Fatalf("create service account default in %s: %v\n%s", ns, err, se)
				}
			}

			out, se, err := srv.Kubectl(ctx, nil, "apply", "--dry-run=server", "--validate=strict", "-R", "-f", dir)
			if err != nil {
				t.Errorf("kubectl apply --dry-run=server --validate=strict -R -f %s: %v\n%s%s", rel, err, out, se)
			}
			for _, w := range warnings(se) {
				t.Errorf("%s: %s", rel, w)
			}
			accepted := strings.Count(out, "(server dry run)")
			if want := len(objs) - len(namespaces); accepted < want {
				t.Errorf("%s: the server accepted %d objects in its dry run, want %d (namespaces aside)\n%s", rel, accepted, want, out)
			}

			for _, o := range objs {
				tmpl := podTemplate(o)
				if tmpl == nil {
					continue
				}
				meta, _ := tmpl["metadata"].(map[string]any)
				spec, _ := tmpl["spec"].(map[string]any)
				if o.kind() == "StatefulSet" {
					// the claims its controller would make: an emptyDir of
					// each name stands in for them (allowed at every level)
					spec = claimsAsEmptyDirs(o, spec)
				}
				pod := map[string]any{
					"apiVersion": "v1", "kind": "Pod",
					"metadata": map[string]any{"name": strings.ToLower(o.kind()) + "-" + o.name(), "namespace": o.namespace(), "labels": meta["labels"]},
					"spec":     spec,
				}
				b, err := yaml.Marshal(pod)
				if err != nil {
					t.Fatal(err)
				}
				out, se, err := srv.Kubectl(ctx, b, "apply", "--dry-run=server", "--validate=strict", "-f", "-")
				if err != nil {
					t.Errorf("%s: a Pod of %s %s is not admitted: %v\n%s%s", o.file, o.kind(), o.name(), err, out, se)
				}
				for _, w := range warnings(se) {
					t.Errorf("%s: Pod of %s %s: %s", o.file, o.kind(), o.name(), w)
				}
			}
		})
	}
}
