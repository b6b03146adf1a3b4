import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;

/**
 * Reads values back the way the WSO2 server does: XML with the JDK's DOM
 * parser and XPath, .properties with java.util.Properties.load(InputStream).
 * Each stdin line is "xml<TAB>file<TAB>xpath" or "prop<TAB>file<TAB>key";
 * each answer is printed as the hex of its UTF-8 bytes ("-" when absent).
 */
public class ReadBack {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false);
        String line;
        while ((line = in.readLine()) != null) {
            String[] q = line.split("\t", 3);
            String v;
            if (q[0].equals("xml")) {
                Document d = f.newDocumentBuilder().parse(q[1]);
                v = XPathFactory.newInstance().newXPath().evaluate(q[2], d);
            } else {
                Properties p = new Properties();
                try (InputStream s = new FileInputStream(q[1])) {
                    p.load(s);
                }
                v = p.getProperty(q[2]);
            }
            if (v == null) {
                System.out.println("-");
                continue;
            }
            StringBuilder b = new StringBuilder();
            for (byte x : v.getBytes(StandardCharsets.UTF_8)) {
                b.append(String.format("%02x", x));
            }
            System.out.println(b);
        }
    }
}
