package certs_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/certs"
)

// tlsCheck is a tiny Java TLS server and client. The server loads a JKS
// keystore, prints its port, and completes a handshake with every client
// until its stdin closes. The client loads a JKS truststore, connects to
// 127.0.0.1 with the given host name (SNI and HTTPS host name verification,
// as Carbon's clients do) and prints "handshake ok" or fails.
const tlsCheck = `
import java.io.*;
import java.net.*;
import java.security.KeyStore;
import javax.net.ssl.*;

public class TLSCheck {
    static KeyStore load(String path, char[] pw) throws Exception {
        KeyStore ks = KeyStore.getInstance("JKS");
        try (InputStream in = new FileInputStream(path)) { ks.load(in, pw); }
        return ks;
    }
    public static void main(String[] a) throws Exception {
        char[] pw = System.getenv("P").toCharArray();
        if (a[0].equals("server")) {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(load(a[1], pw), pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 5, InetAddress.getLoopbackAddress());
            Thread stop = new Thread(() -> { try { while (System.in.read() >= 0) {} } catch (IOException e) {} System.exit(0); });
            stop.setDaemon(true);
            stop.start();
            System.out.println(ss.getLocalPort());
            System.out.flush();
            while (true) {
                try (SSLSocket c = (SSLSocket) ss.accept()) {
                    c.startHandshake();
                    c.getOutputStream().write('k');
                    c.getOutputStream().flush();
                } catch (IOException e) {
                    System.err.println("server: " + e);
                }
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(a[1], pw));
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        int port = Integer.parseInt(a[3]);
        Socket raw = new Socket(InetAddress.getLoopbackAddress(), port);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, a[2], port, true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.startHandshake();
        if (s.getInputStream().read() != 'k') throw new IOException("no data");
        System.out.println("handshake ok with " + s.getSession().getPeerPrincipal());
    }
}
`

// TestJavaTLSHandshake: a JVM server presents a keystore made by
// `certs generate`; a JVM client trusting WSO2's stock truststore rejects
// it, and accepts it once the import has added the generated certificates.
func TestJavaTLSHandshake(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "TLSCheck.java")
	writeFile(t, src, []byte(tlsCheck))
	if out, err := tool(t, nil, "javac", "-d", dir, src); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatalf("java is required: %v", err)
	}
	jvm := func(args ...string) *exec.Cmd {
		cmd := exec.Command(java, append([]string{"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", dir, "TLSCheck"}, args...)...)
		cmd.Env = append(os.Environ(), "P=wso2carbon")
		return cmd
	}

	certDir := filepath.Join(dir, "certificates")
	if _, err := certs.Generate(certs.GenerateOptions{Out: certDir, Components: []string{"gateway", "keymanager"}, Domain: "wso2", Password: "wso2carbon", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	ts := copyStock(t, "client-truststore.jks", dir)

	server := jvm("server", filepath.Join(certDir, "wso2gateway.jks"))
	stdin, err := server.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := server.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var serverErr strings.Builder
	server.Stderr = &serverErr
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close() // the server exits when its stdin closes
		server.Wait()
		t.Logf("server log:\n%s", serverErr.String())
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("server did not report its port: %v\n%s", err, serverErr.String())
	}
	port := strings.TrimSpace(line)

	client := func(host string) (string, error) {
		out, err := jvm("client", ts, host, port).CombinedOutput()
		return string(out), err
	}
	if out, err := client("gateway.wso2"); err == nil || !strings.Contains(out, "PKIX path building failed") {
		t.Fatalf("handshake without the import: err %v\n%s", err, out)
	}

	p, err := certs.PlanImport(certDir, ts, "wso2carbon", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"gateway.wso2", "gateway"} {
		if out, err := client(host); err != nil || !strings.Contains(out, "handshake ok with CN=gateway.wso2") {
			t.Fatalf("handshake to %s after the import: %v\n%s", host, err, out)
		}
	}
	// The subjectAltName is checked: another service name is refused.
	if out, err := client("keymanager.wso2"); err == nil || !strings.Contains(out, "No subject alternative DNS name matching") {
		t.Fatalf("handshake with a wrong host name: err %v\n%s", err, out)
	}
}
