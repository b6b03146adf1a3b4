import java.io.FileInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads each jndi.properties given on the command line with
 * java.util.Properties, as the WSO2 JNDI context factory does, and parses
 * every connectionfactory.* URL the way the WSO2 Andes (Qpid) client's
 * URLParser does: java.net.URI, its decoded user information split at the
 * first ':', the path as virtual host, and the query's name='value' options
 * with Qpid's nested-quote rule. One line per URL:
 *   FILE TAB KEY TAB hex(user) TAB hex(password) TAB client TAB vhost TAB options
 * or FILE TAB KEY TAB ERROR reason.
 */
public class AMQPURLCheck {
    public static void main(String[] args) throws Exception {
        for (String file : args) {
            Properties p = new Properties();
            try (InputStream in = new FileInputStream(file)) {
                p.load(in);
            }
            for (String key : new TreeSet<>(p.stringPropertyNames())) {
                if (key.startsWith("connectionfactory.")) {
                    System.out.println(file + "\t" + key + "\t" + parse(p.getProperty(key)));
                }
            }
        }
    }

    static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8));
    }

    // The client replaces {secretAlias:NAME} with a secure-vault secret
    // before parsing; a URL holding one is not what was written.
    static final Pattern ALIAS = Pattern.compile("\\{(.*?)\\}");

    static String parse(String url) {
        try {
            var m = ALIAS.matcher(url);
            while (m.find()) {
                if (m.group(1).startsWith("secretAlias:")) {
                    return "ERROR a {secretAlias:...} token would be resolved";
                }
            }
            URI u = new URI(url);
            if (u.getScheme() == null || !u.getScheme().equalsIgnoreCase("amqp")) {
                return "ERROR not an AMQP URL";
            }
            String client = u.getHost();
            if (client == null || client.isEmpty()) {
                String auth = u.getAuthority();
                client = auth != null && auth.indexOf('@') < auth.length() - 1 ? auth.substring(auth.indexOf('@') + 1) : "";
            }
            String userInfo = u.getUserInfo();
            if (userInfo == null) {
                String auth = u.getAuthority();
                int at = auth == null ? -1 : auth.indexOf('@');
                userInfo = at < 0 ? null : auth.substring(0, at);
            }
            if (userInfo == null) {
                return "ERROR user information not found";
            }
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                return "ERROR no password";
            }
            String vhost = u.getPath();
            if (vhost == null || vhost.isEmpty()) {
                return "ERROR virtual host not specified";
            }
            Map<String, String> options = new TreeMap<>();
            parseOptions(options, u.getQuery());
            return hex(userInfo.substring(0, colon)) + "\t" + hex(userInfo.substring(colon + 1)) + "\t" + client + "\t" + vhost + "\t" + options;
        } catch (Exception e) {
            return "ERROR " + e.getMessage().replace('\n', ' ').replace('\t', ' ');
        }
    }

    // Qpid's option syntax: name='value' pairs separated by & or , where a
    // quote followed by a separator (& , ;) or another quote closes a level.
    static void parseOptions(Map<String, String> out, String s) {
        if (s == null || s.indexOf('=') < 0) {
            return;
        }
        int eq = s.indexOf('=');
        String name = s.substring(0, eq);
        int depth = 0;
        int i = eq;
        while (depth > 0 || i < s.length()) {
            i++;
            if (i >= s.length()) {
                break;
            }
            if (s.charAt(i) != '\'') {
                continue;
            }
            if (i + 1 < s.length()) {
                char next = s.charAt(i + 1);
                if (next == '&' || next == ',' || next == ';' || next == '\'') {
                    depth--;
                    if (depth == 0) {
                        break;
                    }
                } else {
                    depth++;
                }
            } else {
                depth--;
                break;
            }
        }
        if (depth != 0 || i < eq + 2) {
            throw new IllegalArgumentException("unterminated option " + name);
        }
        out.put(name, s.substring(eq + 2, i));
        if (i < s.length() - 1) {
            parseOptions(out, s.substring(i + 2));
        }
    }
}
