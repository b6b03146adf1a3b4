package certs_test

import (
	"bufio"
	"fmt"
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
// until its stdin closes. The client loads a truststore of the type given
// (JKS or PKCS12: Java's own provider for that type), connects to
// 127.0.0.1 with the given host name (SNI and HTTPS host name verification,
// as Carbon's clients do) and prints "handshake ok" or fails.
const tlsCheck = `
import java.io.*;
import java.net.*;
import java.security.KeyStore;
import javax.net.ssl.*;

public class TLSCheck {
    static KeyStore load(String path, char[] pw, String type) throws Exception {
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = new FileInputStream(path)) { ks.load(in, pw); }
        return ks;
    }
    public static void main(String[] a) throws Exception {
        char[] pw = System.getenv("P").toCharArray();
        if (a[0].equals("server")) {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(load(a[1], pw, "JKS"), pw);
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
        KeyStore ts = load(a[1], pw, a[4]);
        int trusted = 0;
        for (java.util.Enumeration<String> e = ts.aliases(); e.hasMoreElements();) {
            if (ts.isCertificateEntry(e.nextElement())) trusted++;
        }
        System.out.println(a[4] + " truststore: " + trusted + " trusted certificates");
        tmf.init(ts);
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
// `certs generate`; a JVM client trusting one of WSO2's stock truststores
// (2.0.0's JKS, API Manager 4.5's PKCS12 named .jks, IS 7.1's .p12, each
// loaded by Java's provider for its real type) rejects it, and accepts it
// once the import has added the generated certificates.
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

	stores := []struct{ product, name, javaType string }{
		{"wso2am-2.0.0", "client-truststore.jks", "JKS"},
		{"wso2am-4.5.0", "client-truststore.jks", "PKCS12"},
		{"wso2is-7.1.0", "client-truststore.p12", "PKCS12"},
	}
	for _, s := range stores {
		t.Run(s.product, func(t *testing.T) {
			sub := t.TempDir()
			ts := copyFixture(t, s.product, s.name, sub)
			stock := len(keytoolList(t, ts, "wso2carbon"))
			client := func(host string) (string, error) {
				out, err := jvm("client", ts, host, port, s.javaType).CombinedOutput()
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
			want := fmt.Sprintf("%s truststore: %d trusted certificates", s.javaType, stock+2)
			for _, host := range []string{"gateway.wso2", "gateway"} {
				if out, err := client(host); err != nil || !strings.Contains(out, "handshake ok with CN=gateway.wso2") || !strings.Contains(out, want) {
					t.Fatalf("handshake to %s after the import (want %q): %v\n%s", host, want, err, out)
				}
			}
			// The subjectAltName is checked: another service name is refused.
			if out, err := client("keymanager.wso2"); err == nil || !strings.Contains(out, "No subject alternative DNS name matching") {
				t.Fatalf("handshake with a wrong host name: err %v\n%s", err, out)
			}
		})
	}
}
