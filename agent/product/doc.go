// Package product is how the pipeline reaches the knowledge of a WSO2
// product: the Product interface every product implements (Problems,
// LoadSetup, Plan, Health), the registry of products and of their profiles
// (Profile: home, component name, cluster defaults), the one rule for the
// product home (Home), the detection of what a home holds (CheckHome,
// DetectPack), the network facts a plan may discover (Discovery), and what
// every Carbon product shares (stock ports and their offset).
//
// It must not know any one product: the products register themselves from
// their own packages (agent/product/carbon44, agent/product/apim4), which
// import this one; nor the pipeline or the command line above it.
package product
