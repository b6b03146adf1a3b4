package xmlconf

import (
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The real consumer of these files is a JVM. These helpers compile two tiny
// Java programs once per test run: one reads a value from an XML file with a
// namespace-aware DocumentBuilder and XPath, the other reads a key with
// java.util.Properties.load(InputStream). Both print the value's UTF-8 bytes
// in hex, one line per query.

const javaXMLRead = `
import java.io.File;
import java.nio.charset.StandardCharsets;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

public class XmlRead {
    public static void main(String[] a) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        for (int i = 0; i + 2 < a.length; i += 3) {
            org.w3c.dom.Document d = f.newDocumentBuilder().parse(new File(a[i]));
            Node n = (Node) XPathFactory.newInstance().newXPath().evaluate(a[i+1], d, XPathConstants.NODE);
            if (n == null) { System.out.println("NOTFOUND"); continue; }
            String v = a[i+2].equals("-") ? n.getTextContent() : ((Element) n).getAttribute(a[i+2]);
            StringBuilder sb = new StringBuilder("=");
            for (byte b : v.getBytes(StandardCharsets.UTF_8)) sb.append(String.format("%02x", b));
            System.out.println(sb);
        }
    }
}
`

const javaPropRead = `
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

public class PropRead {
    public static void main(String[] a) throws Exception {
        for (int i = 0; i + 1 < a.length; i += 2) {
            Properties p = new Properties();
            try (InputStream in = new FileInputStream(a[i])) { p.load(in); }
            String v = p.getProperty(a[i+1]);
            if (v == null) { System.out.println("NULL"); continue; }
            StringBuilder sb = new StringBuilder("=");
            for (byte b : v.getBytes(StandardCharsets.UTF_8)) sb.append(String.format("%02x", b));
            System.out.println(sb);
        }
    }
}
`

var (
	javaOnce sync.Once
	javaDir  string
	javaErr  error
)

// javaClasses compiles the helper programs once (into a directory removed at
// process exit by the OS temp cleaner; tests never write into /work/shared).
func javaClasses(t *testing.T) string {
	t.Helper()
	javaOnce.Do(func() {
		javaDir, javaErr = os.MkdirTemp("", "xmlconf-java-")
		if javaErr != nil {
			return
		}
		for name, src := range map[string]string{"XmlRead": javaXMLRead, "PropRead": javaPropRead} {
			if javaErr = os.WriteFile(filepath.Join(javaDir, name+".java"), []byte(src), 0o644); javaErr != nil {
				return
			}
		}
		cmd := exec.Command("javac", "-d", javaDir, filepath.Join(javaDir, "XmlRead.java"), filepath.Join(javaDir, "PropRead.java"))
		if out, err := cmd.CombinedOutput(); err != nil {
			javaErr = &javaError{err: err, out: string(out)}
		}
	})
	if javaErr != nil {
		t.Fatalf("compile Java helpers (javac from openjdk-17-jdk-headless is required): %v", javaErr)
	}
	return javaDir
}

type javaError struct {
	err error
	out string
}

func (e *javaError) Error() string { return e.err.Error() + ": " + e.out }

// runJava runs a helper class with args and returns its output lines.
func runJava(t *testing.T, class string, args []string) []string {
	t.Helper()
	dir := javaClasses(t)
	cmd := exec.Command("java", append([]string{"-cp", dir, class}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("java %s: %v: %s", class, err, stderr.String())
	}
	return strings.Split(strings.TrimRight(string(out), "\n"), "\n")
}

func javaHex(v string) string { return "=" + hex.EncodeToString([]byte(v)) }
