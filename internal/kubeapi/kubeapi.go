// Package kubeapi starts a throwaway, real Kubernetes API server for tests:
// an etcd and a kube-apiserver on 127.0.0.1 (free ports, temporary folders,
// their own certificate authority, serving and client certificates and
// service-account key), reachable with kubectl through a kubeconfig it
// writes. Everything is stopped (by the pids it started) and removed when
// the test ends, on every exit path.
//
// It must not know the project's manifests or the agent: it only runs the
// server, and the tests bring what they apply.
// The kube-apiserver binary comes from tools/kube-apiserver (built and
// cached by scripts/kube-apiserver.sh); etcd and kubectl from the PATH.
package kubeapi

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is a running API server.
type Server struct {
	// Kubeconfig is a kubeconfig file with cluster-admin rights
	// (a client certificate in group system:masters).
	Kubeconfig string
	// URL is the server's https address.
	URL string
	dir string
}

// Binaries names the programs Start runs.
type Binaries struct {
	APIServer, Etcd, Kubectl string
}

// Find locates the binaries: the kube-apiserver at apiserver (or, when
// empty, $KUBE_APISERVER), etcd and kubectl on the PATH. The error says
// which is missing and how to get it.
func Find(apiserver string) (Binaries, error) {
	var b Binaries
	if apiserver == "" {
		apiserver = os.Getenv("KUBE_APISERVER")
	}
	if apiserver == "" {
		return b, errors.New("no kube-apiserver: set KUBE_APISERVER or build it with scripts/kube-apiserver.sh (make kube-apiserver)")
	}
	if st, err := os.Stat(apiserver); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return b, fmt.Errorf("kube-apiserver %s: not an executable file", apiserver)
	}
	b.APIServer = apiserver
	var err error
	if b.Etcd, err = exec.LookPath("etcd"); err != nil {
		return b, errors.New("no etcd on the PATH (Debian: apt-get install etcd-server; scripts/install-deps.sh does)")
	}
	if b.Kubectl, err = exec.LookPath("kubectl"); err != nil {
		return b, errors.New("no kubectl on the PATH")
	}
	return b, nil
}

// Start runs etcd and the API server and waits (at most ready) until
// /readyz answers ok. Logs of both go to files in the test's temporary
// folder and are printed when the test fails.
func Start(t testing.TB, b Binaries, ready time.Duration) *Server {
	t.Helper()
	dir := t.TempDir()
	s := &Server{dir: dir}
	pki, err := newPKI(dir)
	if err != nil {
		t.Fatalf("kubeapi: certificates: %v", err)
	}
	clientPort, peerPort, apiPort := freePort(t), freePort(t), freePort(t)
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(clientPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	start(t, dir, "etcd", b.Etcd,
		"--name", "kubeapi-test",
		"--data-dir", filepath.Join(dir, "etcd-data"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "kubeapi-test="+peerURL,
		"--log-level", "warn")
	s.URL = "https://127.0.0.1:" + strconv.Itoa(apiPort)
	exited := start(t, dir, "kube-apiserver", b.APIServer,
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", strconv.Itoa(apiPort),
		"--cert-dir", filepath.Join(dir, "apiserver-certs"),
		"--tls-cert-file", pki.serverCert, "--tls-private-key-file", pki.serverKey,
		"--client-ca-file", pki.caCert,
		"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file", pki.saPub,
		"--service-account-signing-key-file", pki.saKey,
		"--service-cluster-ip-range", "10.96.0.0/16",
		// no kubernetes Service endpoints to keep: 127.0.0.1 cannot be one
		"--endpoint-reconciler-type", "none",
		"--authorization-mode", "RBAC",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--v", "0")
	s.Kubeconfig = filepath.Join(dir, "kubeconfig")
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: %q, certificate-authority: %q}
users:
- name: admin
  user: {client-certificate: %q, client-key: %q}
contexts:
- name: test
  context: {cluster: test, user: admin}
current-context: test
`, s.URL, pki.caCert, pki.clientCert, pki.clientKey)
	if err := os.WriteFile(s.Kubeconfig, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.waitReady(pki, ready, exited); err != nil {
		dumpLogs(t, dir)
		t.Fatalf("kubeapi: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			dumpLogs(t, dir)
		}
	})
	return s
}

// waitReady polls /readyz with the admin's client certificate, until it
// answers ok, bound passes, or the server exits.
func (s *Server) waitReady(pki *pki, bound time.Duration, exited <-chan struct{}) error {
	cert, err := tls.LoadX509KeyPair(pki.clientCert, pki.clientKey)
	if err != nil {
		return err
	}
	caPEM, err := os.ReadFile(pki.caCert)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}}
	deadline := time.Now().Add(bound)
	last := "no answer"
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("kube-apiserver exited before it was ready (its log is below)")
		default:
		}
		resp, err := c.Get(s.URL + "/readyz")
		if err == nil {
			body := make([]byte, 512)
			n, _ := resp.Body.Read(body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%s: %s", resp.Status, strings.TrimSpace(string(body[:n])))
		} else {
			last = err.Error()
		}
		time.Sleep(250 * time.Millisecond) // polling a server's readiness, not a timing assumption
	}
	return fmt.Errorf("kube-apiserver not ready within %s: %s", bound, last)
}

// Kubectl runs kubectl against the server and returns stdout and stderr
// separately (warnings are on stderr) and the error of a non-zero exit.
func (s *Server) Kubectl(ctx context.Context, stdin []byte, args ...string) (stdout, stderr string, err error) {
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", s.Kubeconfig}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// start runs a server process, its output in DIR/NAME.log; the test's
// cleanup kills it by its pid and waits for it. The channel is closed when
// the process exits.
func start(t testing.TB, dir, name, bin string, args ...string) <-chan struct{} {
	t.Helper()
	log, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("kubeapi: start %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		log.Close()
	})
	return exited
}

// dumpLogs prints the tail of each server log.
func dumpLogs(t testing.TB, dir string) {
	for _, name := range []string{"etcd", "kube-apiserver"} {
		b, err := os.ReadFile(filepath.Join(dir, name+".log"))
		if err != nil {
			continue
		}
		if len(b) > 4000 {
			b = b[len(b)-4000:]
		}
		t.Logf("%s log (tail):\n%s", name, b)
	}
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// pki is the files of the server's certificates.
type pki struct {
	caCert, serverCert, serverKey, clientCert, clientKey, saKey, saPub string
}

// newPKI makes a certificate authority, the server's certificate (for
// 127.0.0.1 and the in-cluster names), the admin's client certificate
// (group system:masters) and the service-account signing key, in dir.
func newPKI(dir string) (*pki, error) {
	p := &pki{
		caCert: filepath.Join(dir, "ca.crt"), serverCert: filepath.Join(dir, "server.crt"),
		serverKey: filepath.Join(dir, "server.key"), clientCert: filepath.Join(dir, "admin.crt"),
		clientKey: filepath.Join(dir, "admin.key"), saKey: filepath.Join(dir, "sa.key"),
		saPub: filepath.Join(dir, "sa.pub"),
	}
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubeapi-test-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	if err := writePEM(p.caCert, "CERTIFICATE", caDER); err != nil {
		return nil, err
	}
	leaf := func(serial int64, subject pkix.Name, usage x509.ExtKeyUsage, ips []net.IP, dns []string, certPath, keyPath string) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: subject,
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: ips, DNSNames: dns,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		kder, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return err
		}
		if err := writePEM(certPath, "CERTIFICATE", der); err != nil {
			return err
		}
		return writePEM(keyPath, "EC PRIVATE KEY", kder)
	}
	if err := leaf(2, pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth,
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")},
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"}, p.serverCert, p.serverKey); err != nil {
		return nil, err
	}
	if err := leaf(3, pkix.Name{CommonName: "kubeapi-test-admin", Organization: []string{"system:masters"}},
		x509.ExtKeyUsageClientAuth, nil, nil, p.clientCert, p.clientKey); err != nil {
		return nil, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	kder, err := x509.MarshalECPrivateKey(saKey)
	if err != nil {
		return nil, err
	}
	pder, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	if err := writePEM(p.saKey, "EC PRIVATE KEY", kder); err != nil {
		return nil, err
	}
	return p, writePEM(p.saPub, "PUBLIC KEY", pder)
}

func writePEM(path, typ string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}
