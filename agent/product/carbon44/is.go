package carbon44

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
)

func init() {
	product.RegisterSignature(product.Signature{Product: IS, Name: "Identity Server 5.2.0", Has: []string{"repository/conf/identity/identity.xml"},
		Lacks: []string{"repository/conf/api-manager.xml", "repository/conf/datasources/analytics-datasources.xml"}})
	product.Register(IS, carbonProduct{edits: (*target).isEdits, check: isProblems})
	product.RegisterProfile(&product.Profile{Name: profileIdentityServer, Product: IS, Home: "/wso2is", Component: "identityserver",
		Members: []string{"tasks.identityserver"}, SubDomain: "worker", MemberPort: "4500",
		ClusterDomain: "wso2.is.domain"})
}

// ISStockBase is how the stock identity.xml spells the server's own URL.
const ISStockBase = "${carbon.protocol}://${carbon.host}:${carbon.management.port}"

// ISURLs are the identity.xml elements that hold the server's public URL,
// with the path each one appends to it. VIRTUAL_HOST replaces the base; an
// unset VIRTUAL_HOST restores the stock tokens. The values are set whole on
// every start, so a changed VIRTUAL_HOST replaces the previous one (B5).
var ISURLs = []struct{ Path, Suffix string }{
	{"/Server/OpenID/OpenIDServerUrl", "/openidserver"},
	{"/Server/OpenID/OpenIDUserPattern", "/openid"},
	{"/Server/OpenID/OpenIDLoginUrl", "/authenticationendpoint/openid_login.do"},
	{"/Server/OAuth/OAuth1RequestTokenUrl", "/oauth/request-token"},
	{"/Server/OAuth/OAuth1AuthorizeUrl", "/oauth/authorize-url"},
	{"/Server/OAuth/OAuth1AccessTokenUrl", "/oauth/access-token"},
	{"/Server/OAuth/OAuth2AuthzEPUrl", "/oauth2/authorize"},
	{"/Server/OAuth/OAuth2TokenEPUrl", "/oauth2/token"},
	{"/Server/OAuth/OAuth2UserInfoEPUrl", "/oauth2/userinfo"},
	{"/Server/OAuth/OIDCCheckSessionEPUrl", "/oidc/checksession"},
	{"/Server/OAuth/OIDCLogoutEPUrl", "/oidc/logout"},
	{"/Server/OAuth/OAuth2ConsentPage", "/authenticationendpoint/oauth2_authz.do"},
	{"/Server/OAuth/OAuth2ErrorPage", "/authenticationendpoint/oauth2_error.do"},
	{"/Server/OAuth/OIDCConsentPage", "/authenticationendpoint/oauth2_consent.do"},
	{"/Server/OAuth/OIDCLogoutConsentPage", "/authenticationendpoint/oauth2_logout_consent.do"},
	{"/Server/OAuth/OIDCLogoutPage", "/authenticationendpoint/oauth2_logout.do"},
	{"/Server/OAuth/OpenIDConnect/IDTokenIssuerID", "/oauth2/token"},
	{"/Server/SSOService/IdentityProviderURL", "/samlsso"},
	{"/Server/SSOService/DefaultLogoutEndpoint", "/authenticationendpoint/samlsso_logout.do"},
	{"/Server/SSOService/NotificationEndpoint", "/authenticationendpoint/samlsso_notification.do"},
	{"/Server/SecurityTokenService/IdentityProviderURL", "/services/wso2carbon-sts"},
	{"/Server/PassiveSTS/IdentityProviderURL", "/passivests"},
	{"/Server/PassiveSTS/RetryURL", "/authenticationendpoint/retry.do"},
	{"/Server/SCIM/UserEPUrl", "/wso2/scim/Users"},
	{"/Server/SCIM/GroupEPUrl", "/wso2/scim/Groups"},
}

// isDatasources: the Identity Server acts as the API Manager's key manager
// and shares its databases.
var isDatasources = []Datasource{
	{"WSO2AM_DB", "jdbc/WSO2AM_DB", "apimgtdb"},
	{"WSO2UM_DB", "jdbc/WSO2UM_DB", "userdb"},
	{"WSO2REG_DB", "jdbc/WSO2REG_DB", "regdb"},
}

// isEdits are the Identity Server 5.2.0 edits.
func (t *target) isEdits(s *plan.EditSet) {
	t.carbonEdits(s, isDatasources, "LOGEVENT") // the kernel log4j.properties has no DAS_AGENT
	t.entitlementKeystoreEdits(s)

	base, samlBase := ISStockBase, "https://localhost:9443"
	if vh := strings.TrimRight(t.cfg.VirtualHost, "/"); vh != "" {
		base, samlBase = vh, vh
	}
	for _, u := range ISURLs {
		s.XML("repository/conf/identity/identity.xml", xmlAny(setText(u.Path, base+u.Suffix)))
	}
	// The shipped sso-idp-config.xml registers the dashboard as a service
	// provider on the server's own URL.
	dash := "//ServiceProvider[Issuer='wso2.my.dashboard']"
	s.XML("repository/conf/identity/sso-idp-config.xml",
		xmlAny(setAll(dash+"/AssertionConsumerServiceURLs/AssertionConsumerServiceURL", base+"/dashboard/acs")),
		xmlAny(setAll(dash+"/DefaultAssertionConsumerServiceURL", base+"/dashboard/acs")),
	)
	s.Optional("repository/conf/identity/sso-idp-config.xml")
	s.XML("repository/conf/security/authenticators.xml",
		xmlAny(setText("//Authenticator[@name='SAML2SSOAuthenticator']/Config/Parameter[@name='IdentityProviderSSOServiceURL']", samlBase+"/samlsso")),
		xmlAny(setText("//Authenticator[@name='SAML2SSOAuthenticator']/Config/Parameter[@name='AssertionConsumerServiceURL']", samlBase+"/acs")),
	)
}

// isProblems are Identity Server 5.2.0's own problems with c: VIRTUAL_HOST
// is written verbatim in front of every endpoint path (B5, B31), so it
// must be an http(s) base URL.
func isProblems(c *contract.Config, _ *product.Profile) []string {
	if c.VirtualHost == "" {
		return nil
	}
	if err := checkBaseURL(c.VirtualHost); err != nil {
		return []string{fmt.Sprintf("VIRTUAL_HOST: %q %v (want http(s)://host[:port][/path])", c.VirtualHost, err)}
	}
	return nil
}

// checkBaseURL reports why s cannot be the Identity Server's public base
// URL, which is written verbatim in front of its endpoint paths (B5, B31:
// the old README's "https:// identityserver.local.com" broke every URL).
func checkBaseURL(s string) error {
	if err := contract.CheckHTTPURL(s); err != nil {
		return err
	}
	// contract.CheckHTTPURL parsed it: what a base URL adds is that nothing may
	// follow its path.
	if u, _ := url.Parse(s); u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return errors.New("is not a base URL (no query or fragment)")
	}
	return nil
}
