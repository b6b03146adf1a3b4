// Package contract is the agent's environment contract: every variable it
// reads (Config, one field per variable, with its default, its meaning and
// whether it is secret in the field's tags), how a value is decoded, the
// checks of values that hold whatever the profile (host names, domains,
// URLs, ports, passwords a JVM can use), the secret names every masking
// derives from, and the warnings for WSO2_ variables nobody reads.
//
// It must not know the products, their profiles or files, nor the
// pipeline: a product adds the variables it reads beyond Config's fields
// with ExtendVars, and keeps what it parsed from them in
// Config.ProductSetup, which only that product interprets. It never reads
// the process environment: a Config answers from the environment it was
// loaded from (Getenv, Environ).
package contract
