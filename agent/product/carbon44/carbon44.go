package carbon44

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wso2-container/agent/agent/certs"
	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/health"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/keystore"
	"github.com/wso2-container/agent/xmlconf"
)

// target is what a profile's edits are computed from: the configuration and
// the facts discovered while planning (own address, resolved members,
// whether the component's own keystore is in the certificates folder).
type target struct {
	cfg  *contract.Config
	prof *product.Profile
	home string
	// localIP is this container's address (axis2 localMemberHost).
	localIP string
	// members are the resolved well-known member addresses (own excluded).
	members []string
	// clusterOn: the profile clusters (members configured).
	clusterOn bool
	// ownKeystore: wso2<component>.jks is in the certificates folder and is
	// copied to repository/resources/security; every keystore reference
	// points at it.
	ownKeystore bool
}

// keystoreRel is the own keystore's path relative to the home.
func (t *target) keystoreRel() string {
	return "repository/resources/security/" + certs.KeystoreFile(t.prof.Component)
}

func (t *target) keyAlias() string { return certs.KeyAlias(t.prof.Component) }

// truststoreRel is the truststore's path relative to the home (or absolute).
func (t *target) truststoreRel() string { return t.cfg.Truststore }

// carbonPath is a path as carbon.xml writes it: ${carbon.home}/rel.
func carbonPath(rel string) string {
	if path.IsAbs(rel) {
		return rel
	}
	return "${carbon.home}/" + rel
}

// propsPath is a path as EndpointConfig.properties writes it: ./rel.
func propsPath(rel string) string {
	if path.IsAbs(rel) {
		return rel
	}
	return "./" + rel
}

// mysqlURL is the JDBC URL of database db on the configured MySQL server.
func (t *target) mysqlURL(db string) string {
	return fmt.Sprintf("jdbc:mysql://%s:%d/%s?autoReconnect=true&useSSL=false", t.cfg.ServiceHost(t.cfg.MySQLServer), t.cfg.MySQLPort.V, db)
}

// Datasource is one RDBMS datasource the agent manages.
type Datasource struct {
	Name string // <name>
	jndi string // <jndiConfig><name>
	db   string // database on the MySQL server
}

// AMDatasources are API Manager's datasources in master-datasources.xml.
var AMDatasources = []Datasource{
	{"WSO2AM_DB", "jdbc/WSO2AM_DB", "apimgtdb"},
	{"WSO2UM_DB", "jdbc/WSO2UM_DB", "userdb"},
	{"WSO2REG_DB", "jdbc/WSO2REG_DB", "regdb"},
	{"WSO2AM_STATS_DB", "jdbc/WSO2AM_STATS_DB", "statdb"},
	{"WSO2_MB_STORE_DB", "WSO2MBStoreDB", "mbstoredb"},
}

var metricsDatasource = Datasource{"WSO2_METRICS_DB", "jdbc/WSO2MetricsDB", "metricsdb"}

// datasourceEdits makes each datasource exist once in the file (inserting a
// MySQL block when absent, removing duplicates, B24) and sets its URL, user,
// password and driver (B9, B17, B18).
func (t *target) datasourceEdits(s *plan.EditSet, rel, parent string, dss []Datasource) {
	for _, ds := range dss {
		if ds.Name == "WSO2UM_DB" {
			ds.db = t.cfg.UserStoreDB // the database the admin-password job changes
		}
		p := fmt.Sprintf("%s/datasource[name='%s']", parent, ds.Name)
		frag := fmt.Sprintf(`<datasource>
    <name>%s</name>
    <description>The datasource used by the agent-managed %s database</description>
    <jndiConfig>
        <name>%s</name>
    </jndiConfig>
    <definition type="RDBMS">
        <configuration>
            <url>%s</url>
            <username>%s</username>
            <password>%s</password>
            <driverClassName>com.mysql.jdbc.Driver</driverClassName>
            <maxActive>50</maxActive>
            <maxWait>60000</maxWait>
            <testOnBorrow>true</testOnBorrow>
            <validationQuery>SELECT 1</validationQuery>
            <validationInterval>30000</validationInterval>
            <defaultAutoCommit>false</defaultAutoCommit>
        </configuration>
    </definition>
</datasource>`, ds.Name, ds.db, ds.jndi, xmlEscape(t.mysqlURL(ds.db)), xmlEscape(t.cfg.MySQLUser), xmlEscape(t.cfg.MySQLPassword))
		s.XML(rel,
			ensure(p, parent, []string{"datasource"}, frag),
			setText(p+"/definition/configuration/url", t.mysqlURL(ds.db)),
			setText(p+"/definition/configuration/username", t.cfg.MySQLUser),
			setText(p+"/definition/configuration/driverClassName", "com.mysql.jdbc.Driver"),
		)
		if t.cfg.MySQLPassword != "" {
			s.XML(rel, secretText(p+"/definition/configuration/password", t.cfg.MySQLPassword))
		}
	}
}

func xmlEscape(s string) string { return html.EscapeString(s) }

// adminEdits sets the admin account in user-mgt.xml and the password of the
// product's log4j event appenders (B8: a structured writer, any character is
// safe). Only appenders the product's log4j.properties defines are named:
// setting an absent key would append an orphan line.
func (t *target) adminEdits(s *plan.EditSet, appenders ...string) {
	s.XML("repository/conf/user-mgt.xml",
		setText("/UserManager/Realm/Configuration/AdminUser/UserName", t.cfg.AdminUser),
		secretText("/UserManager/Realm/Configuration/AdminUser/Password", t.cfg.AdminPassword),
	)
	for _, a := range appenders {
		s.Props("repository/conf/log4j.properties",
			prop("log4j.appender."+a+".userName", t.cfg.AdminUser),
			secretProp("log4j.appender."+a+".password", t.cfg.AdminPassword))
	}
}

// carbonHostEdits inserts HostName and MgtHostName into carbon.xml once
// (they are commented out in the stock file) and keeps them current (B22).
func (t *target) carbonHostEdits(s *plan.EditSet) {
	host := t.cfg.HostName
	if host == "" {
		host = t.cfg.ServiceHost(t.prof.Component)
	}
	s.XML("repository/conf/carbon.xml",
		ensure("/Server/HostName", "/Server", []string{"Version"}, "<HostName>"+xmlEscape(host)+"</HostName>"),
		setText("/Server/HostName", host),
		ensure("/Server/MgtHostName", "/Server", []string{"HostName"}, "<MgtHostName>"+xmlEscape(host)+"</MgtHostName>"),
		setText("/Server/MgtHostName", host),
	)
}

// keystoreEdits points every reference to the component's key store at its
// own keystore (B21) and every truststore reference at WSO2_TRUSTSTORE with
// WSO2_TRUSTSTORE_PASSWORD: a reference left at the stock store would read
// it with the other store's password, and without the imported
// certificates. Without an own keystore in the certificates folder the key
// store references are left as shipped.
func (t *target) keystoreEdits(s *plan.EditSet) {
	ts, tsPw := t.truststoreRel(), t.cfg.TruststorePassword
	s.XML("repository/conf/carbon.xml",
		setText("/Server/Security/TrustStore/Location", carbonPath(ts)),
		secretText("/Server/Security/TrustStore/Password", tsPw),
	)
	s.XML("repository/conf/axis2/axis2.xml",
		xmlAny(setAll("//parameter[@name='truststore']/TrustStore/Location", ts)),
		xmlAny(secretAllAny("//parameter[@name='truststore']/TrustStore/Password", tsPw)),
	)
	s.Props("repository/conf/identity/EndpointConfig.properties",
		prop("client.trustStore", propsPath(ts)),
		secretProp("Carbon.Security.TrustStore.Password", tsPw),
	)
	s.Optional("repository/conf/identity/EndpointConfig.properties")
	if !t.ownKeystore {
		return
	}
	ks, ksPw, alias := t.keystoreRel(), t.cfg.KeystorePassword, t.keyAlias()
	s.XML("repository/conf/carbon.xml",
		setText("/Server/Security/KeyStore/Location", carbonPath(ks)),
		setText("/Server/Security/KeyStore/Type", "JKS"),
		secretText("/Server/Security/KeyStore/Password", ksPw),
		setText("/Server/Security/KeyStore/KeyAlias", alias),
		secretText("/Server/Security/KeyStore/KeyPassword", ksPw),
	)
	s.XML("repository/conf/tomcat/catalina-server.xml",
		setAttr("/Server/Service/Connector[@port='9443']", "keystoreFile", carbonPath(ks)),
		secretAttr("/Server/Service/Connector[@port='9443']", "keystorePass", ksPw),
	)
	s.XML("repository/conf/axis2/axis2.xml",
		xmlAny(setAll("//parameter[@name='keystore']/KeyStore/Location", ks)),
		xmlAny(secretAll("//parameter[@name='keystore']/KeyStore/Password", ksPw)),
		xmlAny(secretAll("//parameter[@name='keystore']/KeyStore/KeyPassword", ksPw)),
	)
	s.Props("repository/conf/identity/EndpointConfig.properties",
		prop("client.keyStore", propsPath(ks)),
		secretProp("Carbon.Security.KeyStore.Password", ksPw),
	)
}

// xmlAny relaxes an edit to match zero or more elements.
func xmlAny(e xmlconf.Edit) xmlconf.Edit { e.Match = xmlconf.Any; return e }

func secretAllAny(path, v string) xmlconf.Edit {
	e := secretAll(path, v)
	e.Match = xmlconf.Any
	return e
}

// clusterEdits configures Hazelcast well-known-address clustering in
// axis2.xml: own address and port, sub-domain, domain, and the member list
// replaced as a whole on every start (B1, B11).
func (t *target) clusterEdits(s *plan.EditSet, rel string) {
	if !t.clusterOn {
		if t.cfg.ClusterMembers.Set { // explicitly empty: clustering off
			s.XML(rel, setAttr("/axisconfig/clustering", "enable", "false"))
		}
		return
	}
	port := t.prof.MemberPort
	domain := t.cfg.ClusterDomain
	if domain == "" {
		domain = t.prof.ClusterDomain
	}
	var members strings.Builder
	for _, ip := range t.members {
		fmt.Fprintf(&members, "<member>\n    <hostName>%s</hostName>\n    <port>%s</port>\n</member>\n", xmlEscape(ip), port)
	}
	s.XML(rel,
		setAttr("/axisconfig/clustering", "enable", "true"),
		setText("/axisconfig/clustering/parameter[@name='membershipScheme']", "wka"),
		setText("/axisconfig/clustering/parameter[@name='domain']", domain),
		setText("/axisconfig/clustering/parameter[@name='localMemberHost']", t.localIP),
		setText("/axisconfig/clustering/parameter[@name='localMemberPort']", port),
		// subDomain is an attribute: the old scripts wrote element text.
		setAttr("/axisconfig/clustering/parameter[@name='properties']/property[@name='subDomain']", "value", t.prof.SubDomain),
		xmlconf.Edit{Op: xmlconf.SetChildren, Path: "/axisconfig/clustering/members", XML: members.String()},
	)
}

// amqpURL is an AMQP connection URL of the WSO2 Andes (Qpid) client. The
// client parses it with java.net.URI, takes the decoded user information and
// splits it at the first ':' into user and password; so user and password
// are percent-encoded (UTF-8) except for RFC 3986's unreserved characters,
// which also keeps '{' out (the client would resolve {secretAlias:...}). A
// user name holding ':' cannot be expressed: amProblems refuses it.
func amqpURL(user, password, client, vhost, broker string) string {
	return fmt.Sprintf("amqp://%s:%s@%s/%s?brokerlist='%s'",
		plan.AMQPEscape(user), plan.AMQPEscape(password), client, vhost, broker)
}

// catalinaEdits: proxy ports when configured and no access log valve (B23:
// the old images addressed the attribute as an element and never removed it).
func (t *target) catalinaEdits(s *plan.EditSet) {
	rel := "repository/conf/tomcat/catalina-server.xml"
	if t.cfg.ProxyPortHTTP != "" {
		s.XML(rel, setAttr("/Server/Service/Connector[@port='9763']", "proxyPort", t.cfg.ProxyPortHTTP))
	}
	if t.cfg.ProxyPortHTTPS != "" {
		s.XML(rel, setAttr("/Server/Service/Connector[@port='9443']", "proxyPort", t.cfg.ProxyPortHTTPS))
	}
	s.XML(rel, remove("//Valve[@className='org.apache.catalina.valves.AccessLogValve']"))
}

// carbonEdits are the edits every Carbon product shares: the admin account
// (and the given log4j appenders), the user store's datasource, the master
// datasources, the metrics datasource, host names, key and trust stores,
// Tomcat, and clustering.
func (t *target) carbonEdits(s *plan.EditSet, master []Datasource, appenders ...string) {
	t.adminEdits(s, appenders...)
	s.XML("repository/conf/user-mgt.xml",
		setText("/UserManager/Realm/Configuration/Property[@name='dataSource']", "jdbc/WSO2UM_DB"))
	t.datasourceEdits(s, dsDir+"master-datasources.xml", dsParent, master)
	t.datasourceEdits(s, dsDir+"metrics-datasources.xml", dsParent, []Datasource{metricsDatasource})
	s.Optional(dsDir + "metrics-datasources.xml")
	t.carbonHostEdits(s)
	t.keystoreEdits(s)
	t.catalinaEdits(s)
	t.clusterEdits(s, "repository/conf/axis2/axis2.xml")
}

// entitlementKeystoreEdits points identity.xml's entitlement key store at the
// own keystore (API Manager and Identity Server ship identity.xml).
func (t *target) entitlementKeystoreEdits(s *plan.EditSet) {
	if !t.ownKeystore {
		return
	}
	s.XML("repository/conf/identity/identity.xml",
		xmlAny(setAll("//ThirftBasedEntitlementConfig/KeyStore/Location", carbonPath(t.keystoreRel()))),
		xmlAny(secretAll("//ThirftBasedEntitlementConfig/KeyStore/Password", t.cfg.KeystorePassword)))
}

// Where the datasource files are, and their datasources' parent element.
const (
	dsDir    = "repository/conf/datasources/"
	dsParent = "/datasources-configuration/datasources"
)

// carbonProduct is a Carbon 4.4 product: API Manager 2.0.0, Identity
// Server 5.2.0 or Analytics 2.0.0. Its setup is XML and .properties edits
// of the product's own files (the shared ones in carbonEdits, the
// product's in edits), the certificates, and for some profiles a mirrored
// mediator folder and a seeded deployment volume; its server is
// bin/wso2server.sh with the profile's flags.
type carbonProduct struct {
	edits func(t *target, s *plan.EditSet) // the product's file edits
	// check returns the product's own problems with the configuration,
	// beside those every Carbon product has (carbonProblems); nil: none.
	check func(c *contract.Config, prof *product.Profile) []string
	// after plans what the product does beyond editing files (Analytics:
	// the schedules inside its carbon apps); nil: nothing. It runs beside
	// the file edits and the certificates, so it only reads (files, the
	// configuration, t): it returns what adds its part to the plan, which
	// Plan calls after theirs, so that the plan's order never depends on
	// which finished first.
	after func(t *target) func(p *plan.Plan) error
}

// Problems returns what every Carbon 4.4 product checks and the
// product's own checks.
func (cp carbonProduct) Problems(c *contract.Config, prof *product.Profile) []string {
	if m := packMismatch(product.Home(c, prof), prof); m != "" {
		// The checks below are this product's (a 2.0.0 gateway asks for
		// WSO2_MYSQL_PASSWORD): on another product's home the profile is
		// the one thing to fix.
		return []string{m}
	}
	p := carbonProblems(c, prof)
	if cp.check != nil {
		p = append(p, cp.check(c, prof)...)
	}
	return p
}

// LoadSetup returns nil: a Carbon 4.4 setup takes nothing beyond the
// contract's fields.
func (carbonProduct) LoadSetup(*contract.Config, *product.Profile, map[string]string) []string {
	return nil
}

func (carbonProduct) Health(_ *contract.Config, _ *product.Profile, home string) (health.Check, error) {
	return Health(home)
}

func (cp carbonProduct) Plan(cfg *contract.Config, prof *product.Profile, d product.Discovery) (*plan.Plan, error) {
	home := product.Home(cfg, prof)
	if m := packMismatch(home, prof); m != "" {
		return nil, exitcode.Errorf(exitcode.Config, "%s", m)
	}
	if err := product.StatHome(cfg, prof, home); err != nil {
		return nil, err
	}
	if err := product.CheckHome(prof, home); err != nil {
		return nil, err
	}
	p := &plan.Plan{Profile: prof.Name, Home: home}
	for _, v := range append([]string{cfg.AdminPassword, cfg.MySQLPassword, cfg.KeystorePassword, cfg.TruststorePassword, cfg.NewAdminPassword}, cfg.EnvSecretValues()...) {
		p.AddSecret(v)
	}
	if w := foreignVarsWarning(cfg); w != "" {
		p.Warnings = append(p.Warnings, w)
	}
	t := &target{cfg: cfg, prof: prof, home: home}
	t.findOwnKeystore()
	// The certificates and the product's own part need neither the cluster
	// members nor the file edits: they are planned beside the member lookups
	// (DNS) and the edits (all only read), and recorded in this order after.
	// The product's part (the analytics carbon app) is the longest: it is
	// started first, so that it has a processor of its own while this
	// goroutine edits the files; on two processors the certificates follow
	// whichever finishes first.
	var afterc chan func(*plan.Plan) error
	if cp.after != nil {
		afterc = make(chan func(*plan.Plan) error, 1)
		go func() { afterc <- cp.after(t) }()
	}
	certc := make(chan plan.CertResult, 1)
	go func() { certc <- t.computeCertificates() }()
	if err := t.discover(p, d); err != nil {
		return nil, err
	}
	var s plan.EditSet
	cp.edits(t, &s)
	plan.AddPatches(&s, cfg.PatchFiles, home)
	editErr := p.AddEdits(&s)
	cr := <-certc
	var addAfter func(*plan.Plan) error
	if afterc != nil {
		addAfter = <-afterc
	}
	if editErr != nil {
		return nil, editErr
	}
	if err := checkOffset(p, home); err != nil {
		return nil, err
	}
	if err := p.RecordCertificates(cr); err != nil {
		return nil, err
	}
	if addAfter != nil {
		if err := addAfter(p); err != nil {
			return nil, err
		}
	}
	if prof.MirrorsMediators {
		v, set := cfg.Getenv("WSO2_MEDIATOR_DIR")
		named := set && v != "" // compose's ${X:-} sets it empty: not named
		if err := p.AddMirror("WSO2_MEDIATOR_DIR", cfg.MediatorDir, filepath.Join(home, "repository", "components", "lib"), named); err != nil {
			return nil, err
		}
	}
	if prof.SeedsDeployment {
		if err := p.AddSeed(cfg.DeploymentSeed, filepath.Join(home, "repository", "deployment", "server"), cfg.LockTimeout.V, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil {
			return nil, err
		}
	}
	p.WaitFor = contract.WaitTargets(cfg, []string{net.JoinHostPort(t.cfg.ServiceHost(cfg.MySQLServer), fmt.Sprint(cfg.MySQLPort.V))})
	p.Command = append([]string{filepath.Join(home, "bin", "wso2server.sh")}, prof.ServerFlags...)
	return p, nil
}

// foreignVarsWarning names the API Manager 4.x variables that are set,
// which nothing in a Carbon 4.4 setup reads, with the Carbon 4.4 name of
// those that have one (an operator of the 4.x charts writes WSO2_HOSTNAME
// for WSO2_HOST_NAME); "" when none is set.
func foreignVarsWarning(cfg *contract.Config) string {
	set := cfg.SetScoped(contract.ScopeAPIM4)
	if len(set) == 0 {
		return ""
	}
	return contract.UnreadWarning(set, "a Carbon 4.4 setup", "API Manager 4.x", "Carbon 4.4", contract.FourxToCarbon)
}

// packMismatch names the mismatch of a Carbon 4.4 profile with a home
// that is another product's pack (API Manager 4.x), or is "".
func packMismatch(home string, prof *product.Profile) string {
	if k := product.DetectPack(home); k != nil {
		return fmt.Sprintf("WSO2_PROFILE: %s is an API Manager 2.0.0/IS 5.2.0 profile, but %s is %s (it runs: %s)", prof.Name, home, k.Desc, strings.Join(k.Profiles, ", "))
	}
	return ""
}

// carbonProblems are the problems every Carbon 4.4 product has with c
// (see carbonProduct.Problems).
func carbonProblems(c *contract.Config, prof *product.Profile) []string {
	p := c.CarbonProblems()
	addf := func(format string, a ...any) { p = append(p, fmt.Sprintf(format, a...)) }
	if file, _ := c.Getenv("WSO2_MYSQL_PASSWORD_FILE"); c.MySQLPassword == "" && !c.SetEmpty("WSO2_MYSQL_PASSWORD") && file == "" {
		// Every datasource is pointed at MySQL: without a password the
		// files would keep H2's default password beside a MySQL URL, and
		// inserted datasources would disagree with the existing ones.
		addf("WSO2_MYSQL_PASSWORD: not set, but profile %s points every datasource at the MySQL server (WSO2_MYSQL_SERVER) and needs its password: set WSO2_MYSQL_PASSWORD or WSO2_MYSQL_PASSWORD_FILE", prof.Name)
	}
	// Values written into the XML files: XML 1.0 cannot hold every
	// character (the AMQP URLs' percent-encoding needs UTF-8 too).
	for _, v := range []struct{ name, value string }{
		{"WSO2_ADMIN_USERNAME", c.AdminUser}, {"WSO2_ADMIN_PASSWORD", c.AdminPassword},
		{"WSO2_MYSQL_USER", c.MySQLUser}, {"WSO2_MYSQL_PASSWORD", c.MySQLPassword},
		{"WSO2_KEYSTORE_PASSWORD", c.KeystorePassword}, {"WSO2_TRUSTSTORE_PASSWORD", c.TruststorePassword},
		{"WSO2_CLUSTER_DOMAIN", c.ClusterDomain},
	} {
		if err := xmlconf.CheckValue(v.value); err != nil {
			addf("%s: %v, and the XML configuration files cannot hold it", v.name, err)
		}
	}
	return p
}

// Health returns what WSO2's charts probe on Carbon, GET /services/Version
// on the servlet HTTP port, after a TLS handshake on the HTTPS port, both
// plus carbon.xml's Ports/Offset (DAS ships with 1).
func Health(home string) (health.Check, error) {
	path := filepath.Join(home, "repository", "conf", "carbon.xml")
	f, err := os.Open(path)
	if err != nil {
		return health.Check{}, exitcode.Errorf(exitcode.NoInput, "read %s: %s", path, contract.DescribeFSError(err))
	}
	defer f.Close()
	v, err := readOffset(f)
	if err != nil {
		return health.Check{}, exitcode.Errorf(exitcode.DataErr, "parse %s: %v", path, err)
	}
	off := 0
	if v != nil {
		if off, err = product.ParseOffset(*v); err != nil {
			return health.Check{}, exitcode.Errorf(exitcode.Config, "%s Ports/Offset: %v", path, err)
		}
	}
	return health.Check{TLSPort: product.HTTPSPort + off, Endpoint: "/services/Version", EndpointPort: product.HTTPPort + off}, nil
}

// readOffset returns the text of the root's Ports/Offset in carbon.xml
// (nil: none). It reads up to that element only: Ports comes early in
// carbon.xml, and decoding the rest (a whole document into a struct) cost
// a restart more than the offset is worth.
func readOffset(r io.Reader) (*string, error) {
	dec := xml.NewDecoder(r)
	dec.CharsetReader = latin1Reader
	var (
		depth   int
		inPorts bool
		text    *strings.Builder // inside Ports/Offset
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 2 && t.Name.Local == "Ports":
				inPorts = true
			case depth == 3 && inPorts && t.Name.Local == "Offset":
				text = &strings.Builder{}
			}
		case xml.CharData:
			if text != nil {
				text.Write(t)
			}
		case xml.EndElement:
			if text != nil && depth == 3 {
				v := text.String()
				return &v, nil
			}
			if depth == 2 {
				inPorts = false
			}
			depth--
		}
	}
}

// checkOffset refuses the carbon.xml Ports/Offset the setup leaves (an
// image builder's patch line, or the image's own file) when agent health
// could not read it (product.MaxOffset: one limit for render and health),
// so that the setup does not pass for a container that could never turn
// healthy. A value holding ${ is the server's to resolve. A file the plan
// skipped (its key holds) is the output of a start that checked it; one it
// leaves as it is (an image that shipped its final carbon.xml) is checked
// too, and costs little: the reading stops at Ports/Offset.
func checkOffset(p *plan.Plan, home string) error {
	f := p.FindFile(filepath.Join(home, "repository", "conf", "carbon.xml"))
	if f == nil || f.New == nil || f.Remove {
		return nil
	}
	v, err := readOffset(bytes.NewReader(f.New))
	if err != nil || v == nil || strings.Contains(*v, "${") {
		return nil // a parse error is the edits' to report
	}
	if _, err := product.ParseOffset(*v); err != nil {
		return exitcode.Errorf(exitcode.Config, "%s Ports/Offset: %v (agent health could not probe the server)", f.Path, err)
	}
	return nil
}

// computeCertificates plans the truststore import of every certificate in
// the shared folder and the copy of the component's own keystore (only its
// own, B13). Nothing is written; a bad store or certificate is an error.
func (t *target) computeCertificates() plan.CertResult {
	cfg := t.cfg
	ts := t.resolve(cfg.Truststore)
	imp, err := certs.PlanImport(cfg.CertificatesDir, ts, cfg.TruststorePassword, plan.Now())
	if err != nil {
		return plan.CertResult{Err: namePassword(err, "WSO2_TRUSTSTORE_PASSWORD")}
	}
	r := plan.CertResult{Imp: imp, Password: cfg.TruststorePassword}
	if t.ownKeystore {
		dst := filepath.Dir(t.resolve(t.keystoreRel()))
		r.Own, r.Err = certs.PlanOwnKeystore(cfg.CertificatesDir, t.prof.Component, dst, cfg.KeystorePassword)
		r.Err = namePassword(r.Err, "WSO2_KEYSTORE_PASSWORD")
	}
	return r
}

// namePassword adds to a keystore error that says the password is wrong
// the variable the password came from, which the certs package does not
// know; other errors are returned as they are.
func namePassword(err error, name string) error {
	if !errors.Is(err, keystore.ErrWrongPassword) {
		return err
	}
	return exitcode.Wrap(exitcode.Of(err), fmt.Errorf("%w (the password is %s)", err, name))
}

// resolve returns the absolute path of a file named relative to the home.
func (t *target) resolve(rel string) string {
	if filepath.IsAbs(rel) {
		return filepath.Clean(rel)
	}
	return filepath.Join(t.home, rel)
}

// discover fills in the own address and the cluster members. The member
// names are looked up at once, each on its own goroutine (a Kubernetes
// resolver may try several search domains per name), and the addresses
// taken in the order of the names. Names that do not resolve are a warning,
// not an error: peers start in any order, and Hazelcast finds late members
// through the ones it knows.
func (t *target) discover(p *plan.Plan, d product.Discovery) error {
	cfg := t.cfg
	names := t.prof.Members
	if cfg.ClusterMembers.Set {
		names = cfg.ClusterMembers.V
	}
	t.clusterOn = len(names) > 0
	if !t.clusterOn {
		return nil
	}
	type lookup struct {
		addrs []string
		err   error
	}
	found := make([]chan lookup, len(names))
	for i, n := range names {
		if net.ParseIP(n) != nil {
			continue
		}
		found[i] = make(chan lookup, 1)
		go func() {
			addrs, err := d.LookupHost(n)
			found[i] <- lookup{addrs, err}
		}()
	}
	t.localIP = cfg.LocalMemberHost
	if t.localIP == "" {
		ip, err := d.LocalIP()
		if err != nil {
			return exitcode.Wrap(exitcode.Config, err)
		}
		t.localIP = ip
	}
	seen := map[string]bool{t.localIP: true}
	for i, n := range names {
		if found[i] == nil { // an address
			if !seen[n] {
				seen[n] = true
				t.members = append(t.members, n)
			}
			continue
		}
		l := <-found[i]
		if l.err != nil || len(l.addrs) == 0 {
			p.Warnings = append(p.Warnings, fmt.Sprintf("WSO2_CLUSTER_MEMBERS: %s does not resolve yet; continuing with the other members", n))
			continue
		}
		sort.Strings(l.addrs)
		for _, a := range l.addrs {
			if !seen[a] {
				seen[a] = true
				t.members = append(t.members, a)
			}
		}
	}
	return nil
}

// findOwnKeystore sets ownKeystore: whether the component's own keystore is
// in the certificates folder.
func (t *target) findOwnKeystore() {
	cfg := t.cfg
	own := filepath.Join(cfg.CertificatesDir, certs.KeystoreFile(t.prof.Component))
	if _, err := os.Stat(own); err == nil {
		t.ownKeystore = true
	}
}

// The Carbon 4.4 profile names that the Carbon 4.4 products ask for by
// name; each is defined once, here, and registered under it.
const (
	profileGateway        = "gateway"
	profileGatewayManager = "gatewaymanager"
	profilePublisher      = "publisher"
	profileStore          = "store"
	profileIdentityServer = "identityserver"
	profileAnalytics      = "analytics"
)

// The products of this package, as their profiles name them
// (Profile.Product).
const (
	AM  = "am"  // API Manager 2.0.0 (am.go)
	IS  = "is"  // Identity Server 5.2.0 (is.go)
	DAS = "das" // API Manager Analytics 2.0.0 (das.go)
)

// latin1Reader decodes the ISO-8859-1 that Carbon's XML files declare (each
// byte is the code point).
func latin1Reader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1":
	case "utf-8", "utf8", "us-ascii":
		return r, nil
	default:
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	return &latin1Decoder{r: r}, nil
}

// latin1Decoder turns ISO-8859-1 bytes into UTF-8 as they are read: a
// reader that stops early (readOffset) converts what it read and no more.
type latin1Decoder struct {
	r       io.Reader
	scratch []byte
	pending byte  // the second byte of a character that did not fit, or 0
	err     error // the source's error, returned once pending is out
}

func (d *latin1Decoder) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n := 0
	if d.pending != 0 {
		p[0], d.pending, n = d.pending, 0, 1
	}
	if d.err != nil {
		return n, d.err
	}
	// Each byte read becomes at most two: read no more than half the room.
	m := (len(p) - n) / 2
	if m == 0 {
		if n > 0 {
			return n, nil
		}
		m = 1 // one byte into a one-byte buffer: its second half waits
	}
	if cap(d.scratch) < m {
		d.scratch = make([]byte, m)
	}
	k, err := d.r.Read(d.scratch[:m])
	for _, c := range d.scratch[:k] {
		switch {
		case c < 0x80:
			p[n] = c
			n++
		case n+1 < len(p):
			p[n], p[n+1] = 0xC0|c>>6, 0x80|c&0x3F
			n += 2
		default:
			p[n], d.pending = 0xC0|c>>6, 0x80|c&0x3F
			n++
		}
	}
	if d.pending != 0 && err != nil {
		// The caller stops at the error: it comes after the byte held.
		d.err = err
		return n, nil
	}
	return n, err
}
