package e2e

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent"
)

// imageFacts is what a manifest must agree with in an image built here:
// its WSO2_HOME and where the base image expects the certificates.
type imageFacts struct {
	home, certDir string
	apim4         bool // an API Manager 4.x image (WSO2_SERVER_HOME set)
}

var envLine = regexp.MustCompile(`\b(WSO2_HOME|WSO2_CERTIFICATES_DIR|WSO2_SERVER_HOME)=(\S+)`)

// readImageFacts reads ENV lines of Dockerfile.base and images/NAME/Dockerfile.
func readImageFacts(t *testing.T, name string) imageFacts {
	t.Helper()
	var f imageFacts
	for _, p := range []string{filepath.Join(repoRoot, "Dockerfile.base"), filepath.Join(repoRoot, "images", name, "Dockerfile")} {
		fh, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			for _, m := range envLine.FindAllStringSubmatch(sc.Text(), -1) {
				v := strings.Trim(m[2], `"\`)
				switch m[1] {
				case "WSO2_HOME":
					f.home = v
				case "WSO2_SERVER_HOME":
					f.apim4 = true
				default:
					f.certDir = v
				}
			}
		}
		fh.Close()
	}
	return f
}

// TestKubernetesAgreesWithImages (issue 19): in every Kubernetes manifest
// folder, each container running an image built here probes a port it
// declares (by number or by name), and mounts volumes only where the image
// looks: its WSO2_CERTIFICATES_DIR, /run/secrets (the *_FILE paths), or
// inside its WSO2_HOME (a job image without a product has none) — and,
// when it sets WSO2_HOME or
// WSO2_CERTIFICATES_DIR itself, the mounts follow that.
func TestKubernetesAgreesWithImages(t *testing.T) {
	known := agentImages(t)
	for _, rel := range kubeFolders(t) {
		for _, o := range loadK8sFolder(t, filepath.Join(repoRoot, rel)) {
			tmpl := podTemplate(o)
			if tmpl == nil {
				continue
			}
			spec, _ := tmpl["spec"].(map[string]any)
			containers := append(append([]any{}, list(spec, "initContainers")...), list(spec, "containers")...)
			for _, ct := range containers {
				comp, ours := agentImageName(str(ct, "image"), known)
				if !ours {
					continue
				}
				id := o.file + ": " + o.kind() + "/" + o.name() + ": container " + str(ct, "name")
				facts := readImageFacts(t, comp)
				for _, e := range list(ct, "env") {
					switch str(e, "name") {
					case "WSO2_HOME":
						facts.home = str(e, "value")
					case "WSO2_CERTIFICATES_DIR":
						facts.certDir = str(e, "value")
					}
				}
				if facts.certDir == "" {
					t.Fatalf("%s: image %s declares no WSO2_CERTIFICATES_DIR", id, comp)
				}

				ports := map[string]int{}
				for _, p := range list(ct, "ports") {
					n, _ := strconv.Atoi(str(p, "containerPort"))
					ports[strconv.Itoa(n)] = n
					if name := str(p, "name"); name != "" {
						ports[name] = n
					}
				}
				for _, probe := range []string{"startupProbe", "readinessProbe", "livenessProbe"} {
					pr := get(ct, probe)
					if pr == nil {
						continue
					}
					port := str(pr, "tcpSocket", "port")
					if port == "" {
						port = str(pr, "httpGet", "port")
					}
					if port == "" {
						continue // an exec probe (agent health) reads the image's own configuration
					}
					if _, ok := ports[port]; !ok {
						t.Errorf("%s: %s probes port %s, which the container does not declare", id, probe, port)
					}
				}

				// On a 4.x home the agent also reads the config and artifact
				// volumes (WSO2_CONFIG_VOLUME, WSO2_ARTIFACT_VOLUME: copied
				// over the home at every start, as WSO2's charts mount them).
				var volumes []string
				if facts.apim4 {
					for _, v := range agent.Vars() {
						if v.Name == "WSO2_CONFIG_VOLUME" || v.Name == "WSO2_ARTIFACT_VOLUME" {
							dir := v.Default
							for _, e := range list(ct, "env") {
								if str(e, "name") == v.Name {
									dir = str(e, "value")
								}
							}
							volumes = append(volumes, filepath.Clean(dir))
						}
					}
				}
				inVolume := func(mp string) bool {
					for _, v := range volumes {
						if strings.HasPrefix(mp+"/", v+"/") {
							return true
						}
					}
					return false
				}
				for _, m := range list(ct, "volumeMounts") {
					mp := filepath.Clean(str(m, "mountPath"))
					switch {
					case mp == filepath.Clean(facts.certDir), mp == "/run/secrets", strings.HasPrefix(mp, "/run/secrets/"):
					case facts.home != "" && strings.HasPrefix(mp+"/", filepath.Clean(facts.home)+"/"):
					case inVolume(mp):
					default:
						t.Errorf("%s: mounts %s, which image %s does not read (WSO2_HOME %s, WSO2_CERTIFICATES_DIR %s, /run/secrets)",
							id, mp, comp, facts.home, facts.certDir)
					}
				}
			}
		}
	}
}
