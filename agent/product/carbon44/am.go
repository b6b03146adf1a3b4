package carbon44

import (
	"fmt"
	"strings"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
)

// API Manager 2.0.0 profiles. Each one does, idempotently, what the old
// image's start scripts and the environment-dependent parts of its
// Dockerfile did (reference b1), with the old bugs fixed.
func init() {
	product.Register(AM, carbonProduct{edits: (*target).amEdits, check: amProblems})
	// A deployment.toml beside its files does not change what it is (an
	// image builder may add one; patch files edit it).
	product.RegisterSignature(product.Signature{Product: AM, Name: "API Manager 2.0.0", Has: []string{"repository/conf/api-manager.xml"}})
	am := func(p product.Profile) *product.Profile {
		p.Product = AM
		p.Home = "/wso2am"
		p.MemberPort = "4000"
		p.MirrorsMediators = true
		return &p
	}
	product.RegisterProfile(am(product.Profile{Name: "apim", Component: "apim"}))
	product.RegisterProfile(am(product.Profile{Name: profileGateway, Component: "gateway", ServerFlags: []string{"-Dprofile=gateway-worker"},
		Members: []string{"tasks.gatewaymanager", "tasks.gateway"}, SubDomain: "worker",
		ClusterDomain: "wso2.am.gateway.domain", SeedsDeployment: true}))
	product.RegisterProfile(am(product.Profile{Name: profileGatewayManager, Component: "gatewaymanager", ServerFlags: []string{"-Dprofile=gateway-manager"},
		Members: []string{"tasks.gatewaymanager", "tasks.gateway"}, SubDomain: "mgt",
		ClusterDomain: "wso2.am.gateway.domain", SeedsDeployment: true}))
	// B27: the old image passed -Dprofile=api-publisher -Dprofile=api-store;
	// Carbon keeps the last, so it really ran as a store. The publisher runs
	// as api-publisher.
	product.RegisterProfile(am(product.Profile{Name: profilePublisher, Component: "publisher", ServerFlags: []string{"-Dprofile=api-publisher"},
		Members: []string{"tasks.publisher", "tasks.store"}, SubDomain: "worker",
		ClusterDomain: "wso2.am.pubstore.domain", SeedsDeployment: true}))
	product.RegisterProfile(am(product.Profile{Name: profileStore, Component: "store", ServerFlags: []string{"-Dprofile=api-store"},
		Members: []string{"tasks.publisher", "tasks.store"}, SubDomain: "worker",
		ClusterDomain: "wso2.am.pubstore.domain"}))
	product.RegisterProfile(am(product.Profile{Name: "trafficmanager", Component: "trafficmanager", ServerFlags: []string{"-Dprofile=traffic-manager"}}))
	product.RegisterProfile(am(product.Profile{Name: "keymanager", Component: "keymanager", ServerFlags: []string{"-Dprofile=api-key-manager"}}))
}

// amEdits are the edits of every API Manager profile.
func (t *target) amEdits(s *plan.EditSet) {
	c := t.cfg
	t.carbonEdits(s, AMDatasources, "LOGEVENT", "DAS_AGENT")
	if t.ownKeystore {
		s.XML("repository/conf/broker.xml",
			setAll("//sslConnection/keyStore/location", t.keystoreRel()),
			secretAll("//sslConnection/keyStore/password", c.KeystorePassword))
	}
	t.entitlementKeystoreEdits(s)
	s.XML("repository/conf/broker.xml",
		setAll("//sslConnection/trustStore/location", t.truststoreRel()),
		secretAll("//sslConnection/trustStore/password", c.TruststorePassword))

	// B6: both ways, and any spelling of a boolean.
	api := "repository/conf/api-manager.xml"
	s.XML(api,
		setText("/APIManager/Analytics/Enabled", fmt.Sprint(c.CarbonAnalytics.V)),
		setText("/APIManager/Analytics/DASServerURL", fmt.Sprintf("{tcp://%s:7612}", t.cfg.ServiceHost(c.AnalyticsHost))),
		setText("/APIManager/Analytics/DASRestApiURL", fmt.Sprintf("https://%s:9444", t.cfg.ServiceHost(c.AnalyticsHost))),
	)
	services := func(host string) string { return fmt.Sprintf("https://%s:9443/services/", t.cfg.ServiceHost(host)) }
	tm := t.cfg.ServiceHost(c.TrafficMgrHost)
	if writesJNDI(t.prof) {
		s.XML(api,
			setText("/APIManager/AuthManager/ServerURL", services(c.KeyManagerHost)),
			setText("/APIManager/APIKeyValidator/ServerURL", services(c.KeyManagerHost)),
			setText("/APIManager/ThrottlingConfigurations/DataPublisher/ReceiverUrlGroup", "tcp://"+tm+":9611"),
			setText("/APIManager/ThrottlingConfigurations/DataPublisher/AuthUrlGroup", "ssl://"+tm+":9711"),
			setText("/APIManager/ThrottlingConfigurations/PolicyDeployer/ServiceURL", services(c.TrafficMgrHost)),
			setText("/APIManager/ThrottlingConfigurations/JMSConnectionDetails/ServiceURL", "tcp://"+tm+":5672"),
			setText("/APIManager/ThrottlingConfigurations/JMSConnectionDetails/JMSConnectionParameters/connectionfactory.TopicConnectionFactory",
				"amqp://${jms.username}:${jms.password}@clientid/carbon?brokerlist='tcp://"+tm+":5672'"),
		)
		broker := "tcp://" + tm + ":5672"
		s.Props("repository/conf/jndi.properties",
			secretProp("connectionfactory.TopicConnectionFactory", amqpURL(c.AdminUser, c.AdminPassword, "clientid", "carbon", broker)),
			secretProp("connectionfactory.QueueConnectionFactory", amqpURL(c.AdminUser, c.AdminPassword, "clientID", "test", broker)),
		)
	}
	switch t.prof.Name {
	case profilePublisher, profileStore:
		gw := t.cfg.ServiceHost(c.GatewayHost)
		endpoint := fmt.Sprintf("http://%s:8280,https://%s:8243", gw, gw)
		if t.prof.Name == profileStore && c.GatewayEndpoint != "" {
			endpoint = c.GatewayEndpoint // B5: the element's value, not a one-shot token
		}
		s.XML(api,
			setText("/APIManager/APIGateway/Environments/Environment/ServerURL", services(c.GatewayMgrHost)),
			setText("/APIManager/APIGateway/Environments/Environment/GatewayEndpoint", endpoint),
			setText("/APIManager/APIStore/URL", fmt.Sprintf("https://%s:9443/store", t.cfg.ServiceHost(c.StoreHost))),
		)
	}
}

// writesJNDI reports whether a profile writes the AMQP connection URLs of
// repository/conf/jndi.properties, which embed the admin user and password.
func writesJNDI(prof *product.Profile) bool {
	switch prof.Name {
	case profileGateway, profileGatewayManager, profilePublisher, profileStore:
		return prof.Product == AM
	}
	return false
}

// amProblems are API Manager 2.0.0's own problems with c.
func amProblems(c *contract.Config, prof *product.Profile) []string {
	if writesJNDI(prof) && strings.Contains(c.AdminUser, ":") {
		// The AMQP URLs of jndi.properties: see amqpURL.
		return []string{fmt.Sprintf("WSO2_ADMIN_USERNAME: %q contains ':', which the AMQP connection URLs of repository/conf/jndi.properties cannot express (the client splits user and password at the first ':')", c.AdminUser)}
	}
	return nil
}
