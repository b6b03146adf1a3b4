// Package pipeline is what the agent does at every start, in order: load
// the environment once and check all of it (load.go), plan the profile's
// setup through its product and apply it under the home's lock
// (pipeline.go), then prepare the server's command and environment, wait
// for the component's keystore (keystorewait.go) and start the scheduled
// jobs beside the server (jobs.go, prepare.go). render and run call the
// same Setup with the same inputs, so what render shows is what run does.
// Its logger masks every secret value loaded (logmask.go).
//
// It knows products only through package product (the registry and the
// Product interface); products.go is the one place that names them. It
// must not know the command line (flags, exit-code mapping, output
// formats: package agent), how a plan is computed for a product, shown or
// applied (the products, package plan), nor how children are reaped
// (supervise).
package pipeline
