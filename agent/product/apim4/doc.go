// Package apim4 is the knowledge of API Manager 4.x, above all the 4.5
// distributed layout WSO2 deploys with its Helm charts (control planes,
// traffic managers, universal gateways) and the all-in-one pack: what a
// home is and which profiles it runs (apim4.go), the variables of its
// environment contract and their Helm equivalents (env.go), the
// deployment.toml keys each variable sets (edits.go), and how a component's
// setup is planned — config and artifact volumes, the profile's template,
// the edits and patches, the truststore, the $env{} check, the start
// script (plan.go).
//
// Importing it registers its profiles and its way of recognising a 4.x
// home with package product, and its variables with package contract. It
// plans and never writes; it must not know how a plan is applied or shown,
// how the environment is loaded, nor anything of the Carbon 4.4 products.
// How a TOML edit is spliced into deployment.toml is tomlconf's.
package apim4
