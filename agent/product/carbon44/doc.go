// Package carbon44 is the knowledge of the Carbon 4.4 products the agent
// sets up: API Manager 2.0.0 and its profiles (am.go), Identity Server
// 5.2.0 (is.go) and API Manager Analytics 2.0.0 (das.go). For each profile
// it says which XML and .properties files change, which element, attribute
// or key, from which variable; which certificates and keystores, volumes
// and seeds; which start script with which flags; and what `agent health`
// probes. carbon44.go holds what the three share: the target a plan is
// computed from, the cluster (axis2.xml), datasources, carbon.xml,
// keystores, and the product.Product they implement.
//
// Importing it registers its profiles with package product. It computes
// plans and never writes: it must not know how a plan is applied or shown
// (package plan), how the environment is loaded (the pipeline), nor
// anything of API Manager 4.x.
package carbon44
