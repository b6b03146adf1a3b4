/*
 * CarbonStandIn: a small stand-in for a WSO2 Carbon 4.4 server, used by the
 * end-to-end tests (the real product packs cannot be downloaded there).
 *
 * It is packaged as bin/org.wso2.carbon.bootstrap-standin.jar in a product home
 * and started by that home's bin/wso2server.sh exactly as Carbon is: the script
 * runs `java ... -Dcarbon.home=... org.wso2.carbon.bootstrap.Bootstrap $*` as a
 * child of its restart loop (not exec), so stopping it exercises signal delivery
 * to a whole process group.
 *
 * What it does with the files the agent writes, like Carbon does:
 *  - program arguments "-Dname=value" become system properties (Carbon's
 *    Main.processCmdLineArgs; the last one wins);
 *  - repository/conf/carbon.xml: Security/KeyStore (Location, Type, Password,
 *    KeyAlias, KeyPassword) and Security/TrustStore (Location, Type, Password),
 *    with ${carbon.home} and other ${system.property} references resolved, and
 *    Ports/Offset;
 *  - serves HTTPS on 9443+Offset with the KeyAlias key only (any path answers
 *    200, so the 4.x gateway's /api/am/gateway/v2/server-startup-healthcheck
 *    does), and plain HTTP on 9763+Offset answering GET /services/Version
 *    (what WSO2's charts and `agent health` probe; other paths are 404);
 *  - repository/conf/axis2/axis2.xml: clustering/members/member/hostName are its
 *    peers (minus localMemberHost and its own addresses); it connects to each
 *    peer's 9443+Offset over TLS, trusting only the TrustStore, retrying until
 *    the peer answers or -Dstandin.peerTimeoutSec (default 180) passes;
 *  - on SIGTERM its shutdown hook waits -Dstandin.shutdownDelayMs (default 1500,
 *    standing in for Carbon's graceful stop) and then writes
 *    repository/logs/standin-shutdown, so a JVM killed before its hook finished
 *    leaves no marker.
 *
 * API Manager 4.x homes (no carbon.xml, a repository/conf/deployment.toml):
 * the TOML is parsed with a real TOML reader (Toml.java) and $env{}, $sys{},
 * $ref{} resolved as the config mapper does; [server] offset, [keystore.tls]
 * (file_name under repository/resources/security, type, password, alias,
 * key_password) and [truststore] are used as above, [keystore.primary] and
 * [keystore.internal] are loaded when present; the peers are the hosts of
 * the https service_url values of [apim.key_manager], [apim.event_hub] and
 * [apim.throttling].
 *
 * Databases (only with -Dstandin.db=NAME,...: 4.4 datasource names such as
 * WSO2AM_DB, or 4.x [database.NAME] tables such as apim_db,shared_db): before
 * it serves anything it connects with the configured JDBC URL, user and
 * password, through a java.sql.Driver found in repository/components/lib
 * (where image builders put the JDBC driver, as in WSO2's guide), retrying
 * for -Dstandin.dbTimeoutSec (default 60), and counts the tables:
 * repository/logs/standin-db gets "ok NAME URL user=U tables=N". A database
 * that does not answer in time ends the JVM with status 1, as Carbon fails.
 *
 * Every line it prints starts with "STANDIN: ". Results are also written under
 * repository/logs/: standin-started (the resolved settings), standin-peers (one
 * line per peer: "ok HOST:PORT SUBJECT" or "fail HOST:PORT REASON"),
 * standin-shutdown. A bad keystore or carbon.xml ends the JVM with status 1,
 * as a Carbon server would fail to start.
 *
 * Written against the Java 8 API (compiled with --release 8), so the same jar
 * runs on the production JRE 8 base and on the JRE 17 test base.
 */
package org.wso2.carbon.bootstrap;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

public final class CarbonStandIn {
    static final int HTTPS_PORT = 9443;
    static final int HTTP_PORT = 9763;
    static final PrintStream OUT = System.out;

    final Path home;
    final Path logs;
    String profile = "default";
    int port;
    int offset;
    SSLContext serverContext;
    SSLContext clientContext;
    String ownSubject;

    CarbonStandIn(Path home) {
        this.home = home;
        this.logs = home.resolve("repository").resolve("logs");
    }

    static void log(String msg) {
        OUT.println("STANDIN: " + msg);
        OUT.flush();
    }

    /** Entry point, also reached through org.wso2.carbon.bootstrap.Bootstrap. */
    public static void main(String[] args) {
        for (String a : args) {
            // Carbon's Main.processCmdLineArgs: every -Dk=v is a system property.
            if (a.startsWith("-D") && a.indexOf('=') > 2) {
                int eq = a.indexOf('=');
                System.setProperty(a.substring(2, eq), a.substring(eq + 1));
            }
        }
        String h = System.getProperty("carbon.home");
        if (h == null || h.isEmpty()) {
            log("error: system property carbon.home is not set");
            System.exit(1);
        }
        CarbonStandIn s = new CarbonStandIn(Paths.get(h));
        try {
            s.start(args);
        } catch (Exception e) {
            log("error: " + e.getMessage());
            System.exit(1);
        }
    }

    void start(String[] args) throws Exception {
        Files.createDirectories(logs);
        // Results of an earlier run are gone before this run says anything.
        for (String f : new String[] {"standin-peers", "standin-started", "standin-shutdown"}) {
            Files.deleteIfExists(logs.resolve(f));
        }
        profile = System.getProperty("profile", "default");
        String user = System.getProperty("user.name");
        String pid = ManagementFactory.getRuntimeMXBean().getName().split("@")[0];
        Files.write(home.resolve("wso2carbon.pid"), pid.getBytes(StandardCharsets.US_ASCII));
        log("starting: profile=" + profile + " user=" + user + " pid=" + pid + " carbon.home=" + home
                + " args=" + String.join(" ", args));

        if (!Files.exists(home.resolve("repository/conf/carbon.xml"))
                && Files.exists(home.resolve("repository/conf/deployment.toml"))) {
            startAPIM4(user, pid);
            return;
        }
        Element server = parse(home.resolve("repository/conf/carbon.xml")).getDocumentElement();
        Element security = child(server, "Security", "carbon.xml");
        Element ks = child(security, "KeyStore", "carbon.xml Security");
        Element ts = child(security, "TrustStore", "carbon.xml Security");
        String ksLocation = resolve(text(ks, "Location"));
        String ksType = text(ks, "Type");
        String ksPassword = text(ks, "Password");
        String keyAlias = text(ks, "KeyAlias");
        String keyPassword = text(ks, "KeyPassword");
        String tsLocation = resolve(text(ts, "Location"));
        String tsType = text(ts, "Type");
        String tsPassword = text(ts, "Password");
        offset = 0;
        Element ports = optChild(server, "Ports");
        if (ports != null && optChild(ports, "Offset") != null) {
            offset = Integer.parseInt(resolve(text(ports, "Offset")).trim());
        }
        port = HTTPS_PORT + offset;

        KeyStore keystore = load(ksLocation, ksType, ksPassword, "KeyStore");
        if (!keystore.isKeyEntry(keyAlias)) {
            throw new Exception("carbon.xml Security/KeyStore/KeyAlias: keystore " + ksLocation
                    + " has no private key entry '" + keyAlias + "' (entries: "
                    + Collections.list(keystore.aliases()) + ")");
        }
        // Only the KeyAlias key is served, as Carbon does.
        KeyStore one = KeyStore.getInstance("JKS");
        one.load(null, null);
        char[] kp = keyPassword.toCharArray();
        one.setKeyEntry(keyAlias, keystore.getKey(keyAlias, kp), kp, keystore.getCertificateChain(keyAlias));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(one, kp);
        ownSubject = ((X509Certificate) keystore.getCertificate(keyAlias)).getSubjectX500Principal().getName();

        KeyStore truststore = load(tsLocation, tsType, tsPassword, "TrustStore");
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(truststore);

        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
        clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, tmf.getTrustManagers(), null);

        List<String> peers = peers(home.resolve("repository/conf/axis2/axis2.xml"));
        checkDatabases(datasources44());

        Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "standin-shutdown"));

        SSLServerSocket ss = (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(port));
        String started = "startedAt=" + System.currentTimeMillis() + "\npid=" + pid + "\nprofile=" + profile + "\nuser=" + user + "\nport=" + port + "\nkeystore=" + ksLocation
                + "\nkeyAlias=" + keyAlias + "\nsubject=" + ownSubject + "\ntruststore=" + tsLocation
                + "\ntrustedEntries=" + truststore.size() + "\npeers=" + String.join(",", peers) + "\n";
        writeAtomic(logs.resolve("standin-started"), started);
        log("listening on https port " + port + " as " + ownSubject + "; truststore " + tsLocation + " ("
                + truststore.size() + " entries); peers " + peers);

        List<String> hostPorts = new ArrayList<>();
        for (String p : peers) {
            hostPorts.add(p + ":" + port);
        }
        serveHTTP();
        probeAll(hostPorts);
        serve(ss);
    }

    /** Probes every HOST:PORT in the background. */
    void probeAll(List<String> hostPorts) {
        long timeoutMs = Long.getLong("standin.peerTimeoutSec", 180L) * 1000L;
        for (String hp : hostPorts) {
            int c = hp.lastIndexOf(':');
            String h = hp.substring(0, c);
            int p = Integer.parseInt(hp.substring(c + 1));
            Thread t = new Thread(() -> probe(h, p, timeoutMs), "peer-" + hp);
            t.setDaemon(true);
            t.start();
        }
    }

    /** Plain HTTP on 9763+offset: GET /services/Version answers 200, anything else 404. */
    void serveHTTP() throws IOException {
        ServerSocket hs = new ServerSocket();
        hs.setReuseAddress(true);
        hs.bind(new InetSocketAddress(HTTP_PORT + offset));
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Socket c = hs.accept();
                    Thread h = new Thread(() -> handleHTTP(c), "http");
                    h.setDaemon(true);
                    h.start();
                } catch (IOException e) {
                    log("http accept: " + e.getMessage());
                    return;
                }
            }
        }, "http-accept");
        t.setDaemon(true);
        t.start();
    }

    void handleHTTP(Socket c) {
        try (Socket s = c) {
            s.setSoTimeout(10000);
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String req = r.readLine();
            String line;
            while ((line = r.readLine()) != null && !line.isEmpty()) {
                // read the request head
            }
            String status = "404 Not Found";
            String body = "not found\n";
            if (req != null && (req.startsWith("GET /services/Version ") || req.startsWith("GET /services/Version?"))) {
                status = "200 OK";
                body = "<ns:getVersionResponse xmlns:ns=\"http://version.services.core.carbon.wso2.org\"><return>"
                        + "WSO2 Carbon stand-in " + profile + "</return></ns:getVersionResponse>\n";
            }
            OutputStream o = s.getOutputStream();
            o.write(("HTTP/1.1 " + status + "\r\nContent-Type: text/xml\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            o.flush();
        } catch (IOException e) {
            // a probe that hung up
        }
    }

    /** Accepts HTTPS connections until the JVM exits. */
    void serve(ServerSocket ss) {
        while (true) {
            Socket c;
            try {
                c = ss.accept();
            } catch (IOException e) {
                log("accept: " + e.getMessage());
                continue;
            }
            Thread t = new Thread(() -> handle((SSLSocket) c), "conn");
            t.setDaemon(true);
            t.start();
        }
    }

    void handle(SSLSocket c) {
        try (SSLSocket s = c) {
            s.setSoTimeout(10000);
            s.startHandshake();
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String line;
            while ((line = r.readLine()) != null && !line.isEmpty()) {
                // read the request head
            }
            String body = "carbon stand-in " + profile + " " + ownSubject + "\n";
            OutputStream o = s.getOutputStream();
            o.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            o.flush();
        } catch (IOException e) {
            // Health checks connect over plain TCP from loopback and hang up: not worth a line.
            if (!c.getInetAddress().isLoopbackAddress()) {
                log("inbound connection from " + c.getRemoteSocketAddress() + ": " + e);
            }
        }
    }

    /** Connects to one peer over TLS until it works or the deadline passes; records the outcome. */
    void probe(String host, int port, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        String last = "";
        while (true) {
            try (SSLSocket s = (SSLSocket) clientContext.getSocketFactory().createSocket()) {
                s.connect(new InetSocketAddress(host, port), 2000);
                s.setSoTimeout(5000);
                s.startHandshake();
                X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
                OutputStream o = s.getOutputStream();
                o.write(("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                o.flush();
                String status = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine();
                String subject = peer.getSubjectX500Principal().getName();
                // File first, then the line: whoever reads the line finds the file written.
                append(logs.resolve("standin-peers"), "ok " + host + ":" + port + " " + subject + "\n");
                log("peer " + host + ":" + port + " TLS handshake ok, certificate " + subject + ", answered "
                        + status);
                return;
            } catch (Exception e) {
                last = e.toString();
            }
            if (System.currentTimeMillis() > deadline) {
                append(logs.resolve("standin-peers"), "fail " + host + ":" + port + " " + last + "\n");
                log("peer " + host + ":" + port + " failed: " + last);
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    void shutdown() {
        log("shutdown hook: stopping (profile " + profile + ")");
        try {
            Thread.sleep(Long.getLong("standin.shutdownDelayMs", 1500L));
            writeAtomic(logs.resolve("standin-shutdown"), "graceful shutdown of " + profile + " completed at "
                    + System.currentTimeMillis() + "\n");
            log("shutdown hook: done");
        } catch (Exception e) {
            log("shutdown hook: " + e);
        }
    }

    /** The clustering WKA members' hostName values, without this node. */
    List<String> peers(Path axis2) throws Exception {
        Element root = parse(axis2).getDocumentElement();
        Element clustering = optChild(root, "clustering");
        List<String> out = new ArrayList<>();
        if (clustering == null) {
            return out;
        }
        Set<String> self = new LinkedHashSet<>();
        for (Element p : children(clustering, "parameter")) {
            if ("localMemberHost".equals(p.getAttribute("name"))) {
                self.add(p.getTextContent().trim());
            }
        }
        for (Enumeration<NetworkInterface> e = NetworkInterface.getNetworkInterfaces(); e.hasMoreElements();) {
            for (Enumeration<InetAddress> a = e.nextElement().getInetAddresses(); a.hasMoreElements();) {
                self.add(a.nextElement().getHostAddress());
            }
        }
        Element members = optChild(clustering, "members");
        if (members == null) {
            return out;
        }
        for (Element m : children(members, "member")) {
            Element hn = optChild(m, "hostName");
            if (hn == null) {
                continue;
            }
            String h = resolve(hn.getTextContent().trim());
            if (!h.isEmpty() && !self.contains(h) && !out.contains(h)) {
                out.add(h);
            }
        }
        return out;
    }


    /** One database to check: its name in the configuration, URL and credentials. */
    static final class Db {
        final String name, url, user, password;

        Db(String name, String url, String user, String password) {
            this.name = name;
            this.url = url;
            this.user = user;
            this.password = password;
        }
    }

    /** The names -Dstandin.db lists (empty: no database check). */
    static List<String> wantedDatabases() {
        List<String> out = new ArrayList<>();
        for (String n : System.getProperty("standin.db", "").split(",")) {
            if (!n.trim().isEmpty()) {
                out.add(n.trim());
            }
        }
        return out;
    }

    /** Carbon 4.4: the wanted datasources of master-datasources.xml. */
    List<Db> datasources44() throws Exception {
        List<Db> out = new ArrayList<>();
        List<String> want = wantedDatabases();
        if (want.isEmpty()) {
            return out;
        }
        Path f = home.resolve("repository/conf/datasources/master-datasources.xml");
        Element root = parse(f).getDocumentElement();
        Element dss = child(root, "datasources", "master-datasources.xml");
        for (String n : want) {
            Element found = null;
            for (Element ds : children(dss, "datasource")) {
                if (n.equals(text(ds, "name"))) {
                    found = ds;
                }
            }
            if (found == null) {
                throw new Exception(f + ": no datasource " + n);
            }
            Element conf = child(child(found, "definition", n), "configuration", n);
            out.add(new Db(n, resolve(text(conf, "url")), text(conf, "username"), text(conf, "password")));
        }
        return out;
    }

    /** Connects to every database (retrying until -Dstandin.dbTimeoutSec) and records the outcome. */
    void checkDatabases(List<Db> dbs) throws Exception {
        if (dbs.isEmpty()) {
            return;
        }
        List<URL> jars = new ArrayList<>();
        Path lib = home.resolve("repository/components/lib");
        if (Files.isDirectory(lib)) {
            try (java.util.stream.Stream<Path> st = Files.list(lib)) {
                for (Path j : (Iterable<Path>) st.filter(x -> x.toString().endsWith(".jar")).sorted()::iterator) {
                    jars.add(j.toUri().toURL());
                }
            }
        }
        ClassLoader cl = new URLClassLoader(jars.toArray(new URL[0]), CarbonStandIn.class.getClassLoader());
        long deadline = System.currentTimeMillis() + Long.getLong("standin.dbTimeoutSec", 60L) * 1000L;
        for (Db db : dbs) {
            Driver driver = null;
            for (Driver d : ServiceLoader.load(Driver.class, cl)) {
                if (d.acceptsURL(db.url)) {
                    driver = d;
                    break;
                }
            }
            if (driver == null) {
                throw new Exception("database " + db.name + ": no JDBC driver in " + lib + " accepts " + db.url);
            }
            Properties props = new Properties();
            props.setProperty("user", db.user);
            props.setProperty("password", db.password);
            props.setProperty("connectTimeout", "3000");
            String last = "";
            while (true) {
                try (Connection c = driver.connect(db.url, props); Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery(
                                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()")) {
                    rs.next();
                    int tables = rs.getInt(1);
                    append(logs.resolve("standin-db"), "ok " + db.name + " " + db.url + " user=" + db.user + " tables="
                            + tables + " driver=" + driver.getClass().getName() + "\n");
                    log("database " + db.name + ": connected to " + db.url + " as " + db.user + ", " + tables + " tables");
                    break;
                } catch (Exception e) {
                    last = e.toString().replace('\n', ' ');
                }
                if (System.currentTimeMillis() > deadline) {
                    append(logs.resolve("standin-db"), "fail " + db.name + " " + db.url + " " + last + "\n");
                    throw new Exception("database " + db.name + ": cannot connect to " + db.url + " as " + db.user + ": " + last);
                }
                Thread.sleep(1000);
            }
        }
    }

    static final Pattern PLACEHOLDER = Pattern.compile("\\$(env|sys|ref)\\{([^}]+)}");

    /** Resolves the config mapper's $env{}, $sys{} and $ref{} in a TOML string value. */
    static String resolveToml(Map<String, Object> doc, String v, int depth) throws Exception {
        if (v == null || depth > 10) {
            return v;
        }
        Matcher m = PLACEHOLDER.matcher(v);
        StringBuffer b = new StringBuffer();
        while (m.find()) {
            String r;
            switch (m.group(1)) {
                case "env": r = System.getenv(m.group(2)); break;
                case "sys": r = System.getProperty(m.group(2)); break;
                default: {
                    Object o = Toml.get(doc, m.group(2));
                    r = o == null ? null : resolveToml(doc, String.valueOf(o), depth + 1);
                }
            }
            if (r == null) {
                throw new Exception("deployment.toml: " + m.group() + " is not defined");
            }
            m.appendReplacement(b, Matcher.quoteReplacement(r));
        }
        m.appendTail(b);
        return b.toString();
    }

    String tomlStr(Map<String, Object> doc, String path, String def) throws Exception {
        Object v = Toml.get(doc, path);
        return v == null ? def : resolveToml(doc, String.valueOf(v), 0);
    }

    /** A keystore named by a TOML table (file_name relative to repository/resources/security). */
    Path storePath(String fileName) {
        Path p = Paths.get(fileName);
        return p.isAbsolute() ? p : home.resolve("repository/resources/security").resolve(p).normalize();
    }

    /** API Manager 4.x: everything from deployment.toml. */
    void startAPIM4(String user, String pid) throws Exception {
        Path tomlPath = home.resolve("repository/conf/deployment.toml");
        Map<String, Object> doc = Toml.parse(new String(Files.readAllBytes(tomlPath), StandardCharsets.UTF_8));
        profile = System.getProperty("profile", System.getProperty("standin.pack", "default"));
        Object off = Toml.get(doc, "server.offset");
        offset = off == null ? 0 : Integer.parseInt(resolveToml(doc, String.valueOf(off), 0).trim());
        port = HTTPS_PORT + offset;

        String ksFile = tomlStr(doc, "keystore.tls.file_name", "wso2carbon.jks");
        String ksType = tomlStr(doc, "keystore.tls.type", "JKS");
        String ksPassword = tomlStr(doc, "keystore.tls.password", "wso2carbon");
        String keyAlias = tomlStr(doc, "keystore.tls.alias", "wso2carbon");
        String keyPassword = tomlStr(doc, "keystore.tls.key_password", ksPassword);
        Path ksLocation = storePath(ksFile);
        KeyStore keystore = load(ksLocation.toString(), ksType, ksPassword, "KeyStore", "deployment.toml [keystore.tls]");
        if (!keystore.isKeyEntry(keyAlias)) {
            throw new Exception("deployment.toml [keystore.tls] alias: keystore " + ksLocation
                    + " has no private key entry '" + keyAlias + "' (entries: " + Collections.list(keystore.aliases()) + ")");
        }
        KeyStore one = KeyStore.getInstance("JKS");
        one.load(null, null);
        char[] kp = keyPassword.toCharArray();
        one.setKeyEntry(keyAlias, keystore.getKey(keyAlias, kp), kp, keystore.getCertificateChain(keyAlias));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(one, kp);
        ownSubject = ((X509Certificate) keystore.getCertificate(keyAlias)).getSubjectX500Principal().getName();

        // The other key stores the product would open at start.
        StringBuilder others = new StringBuilder();
        for (String k : new String[] {"primary", "internal"}) {
            if (Toml.get(doc, "keystore." + k) == null) {
                continue;
            }
            String f = tomlStr(doc, "keystore." + k + ".file_name", "wso2carbon.jks");
            String pw = tomlStr(doc, "keystore." + k + ".password", "wso2carbon");
            String alias = tomlStr(doc, "keystore." + k + ".alias", "wso2carbon");
            String kpw = tomlStr(doc, "keystore." + k + ".key_password", pw);
            KeyStore x = load(storePath(f).toString(), tomlStr(doc, "keystore." + k + ".type", "JKS"), pw, "KeyStore",
                    "deployment.toml [keystore." + k + "]");
            if (x.getKey(alias, kpw.toCharArray()) == null) {
                throw new Exception("deployment.toml [keystore." + k + "] alias: " + storePath(f) + " has no key " + alias);
            }
            others.append("keystore.").append(k).append('=').append(storePath(f)).append(' ').append(alias).append('\n');
        }

        Path tsLocation = storePath(tomlStr(doc, "truststore.file_name", "client-truststore.jks"));
        KeyStore truststore = load(tsLocation.toString(), tomlStr(doc, "truststore.type", "JKS"),
                tomlStr(doc, "truststore.password", "wso2carbon"), "TrustStore", "deployment.toml [truststore]");
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(truststore);
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
        clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, tmf.getTrustManagers(), null);

        List<String> peers = new ArrayList<>();
        for (String k : new String[] {"apim.key_manager.service_url", "apim.event_hub.service_url", "apim.throttling.service_url"}) {
            Object v = Toml.get(doc, k);
            if (v == null) {
                continue;
            }
            URI u = new URI(resolveToml(doc, String.valueOf(v), 0));
            if ("https".equals(u.getScheme()) && u.getHost() != null) {
                String hp = u.getHost() + ":" + (u.getPort() < 0 ? 443 : u.getPort());
                if (!peers.contains(hp)) {
                    peers.add(hp);
                }
            }
        }

        List<Db> dbs = new ArrayList<>();
        for (String n : wantedDatabases()) {
            if (Toml.get(doc, "database." + n) == null) {
                throw new Exception("deployment.toml: no [database." + n + "]");
            }
            dbs.add(new Db(n, tomlStr(doc, "database." + n + ".url", ""), tomlStr(doc, "database." + n + ".username", ""),
                    tomlStr(doc, "database." + n + ".password", "")));
        }
        checkDatabases(dbs);

        Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "standin-shutdown"));
        SSLServerSocket ss = (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(port));
        String started = "startedAt=" + System.currentTimeMillis() + "\npid=" + pid + "\nprofile=" + profile + "\nuser=" + user
                + "\nport=" + port + "\nkeystore=" + ksLocation + "\nkeyAlias=" + keyAlias + "\nsubject=" + ownSubject
                + "\n" + others + "truststore=" + tsLocation + "\ntrustedEntries=" + truststore.size()
                + "\npeers=" + String.join(",", peers) + "\n";
        writeAtomic(logs.resolve("standin-started"), started);
        log("listening on https port " + port + " as " + ownSubject + "; truststore " + tsLocation + " ("
                + truststore.size() + " entries); peers " + peers);
        serveHTTP();
        probeAll(peers);
        serve(ss);
    }

    static KeyStore load(String location, String type, String password, String what, String where) throws Exception {
        KeyStore k = KeyStore.getInstance(type);
        try (InputStream in = new FileInputStream(location)) {
            k.load(in, password.toCharArray());
        } catch (Exception e) {
            throw new Exception(where + ": cannot load " + type + " " + location + ": " + e.getMessage(), e);
        }
        return k;
    }

    static KeyStore load(String location, String type, String password, String what) throws Exception {
        KeyStore k = KeyStore.getInstance(type);
        try (InputStream in = new FileInputStream(location)) {
            k.load(in, password.toCharArray());
        } catch (Exception e) {
            throw new Exception("carbon.xml Security/" + what + ": cannot load " + type + " " + location + ": "
                    + e.getMessage(), e);
        }
        return k;
    }

    static Document parse(Path p) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setExpandEntityReferences(false);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        try (InputStream in = Files.newInputStream(p)) {
            return f.newDocumentBuilder().parse(in);
        } catch (Exception e) {
            throw new Exception("parse " + p + ": " + e.getMessage(), e);
        }
    }

    static List<Element> children(Element parent, String local) {
        List<Element> out = new ArrayList<>();
        NodeList nl = parent.getChildNodes();
        for (int i = 0; i < nl.getLength(); i++) {
            Node n = nl.item(i);
            if (n instanceof Element) {
                String name = n.getLocalName() != null ? n.getLocalName() : n.getNodeName();
                if (name.equals(local)) {
                    out.add((Element) n);
                }
            }
        }
        return out;
    }

    static Element optChild(Element parent, String local) {
        List<Element> c = children(parent, local);
        return c.isEmpty() ? null : c.get(0);
    }

    static Element child(Element parent, String local, String where) throws Exception {
        Element e = optChild(parent, local);
        if (e == null) {
            throw new Exception(where + ": element " + local + " is missing");
        }
        return e;
    }

    static String text(Element parent, String local) throws Exception {
        return child(parent, local, parent.getLocalName()).getTextContent().trim();
    }

    static final Pattern REF = Pattern.compile("\\$\\{([^}]+)}");

    /** Replaces ${name} with the system property name, as Carbon's CarbonUtils does. */
    static String resolve(String s) throws Exception {
        Matcher m = REF.matcher(s);
        StringBuffer b = new StringBuffer();
        while (m.find()) {
            String v = System.getProperty(m.group(1));
            if (v == null) {
                throw new Exception("unresolved reference ${" + m.group(1) + "} in " + s);
            }
            m.appendReplacement(b, Matcher.quoteReplacement(v));
        }
        m.appendTail(b);
        return b.toString();
    }

    static void writeAtomic(Path p, String content) throws IOException {
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
        Files.write(tmp, content.getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static synchronized void append(Path p, String line) {
        try {
            Files.write(p, line.getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            log("write " + p + ": " + e.getMessage());
        }
    }
}

/** Carbon's launcher class name, as wso2server.sh invokes it. */
final class Bootstrap {
    private Bootstrap() {
    }

    public static void main(String[] args) {
        CarbonStandIn.main(args);
    }
}
