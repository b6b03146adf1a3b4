// Package agent is the agent's command line: the subcommands (render, run,
// env, certs, cron, admin-password, health), their flags and help, the
// logger, and how an error becomes one line and an exit code. Main is the
// entry point; cmd/agent only calls it.
//
// The rest lives one hop away, each package saying in its own doc comment
// what it is for and what it must not know. Imports go one way, from the
// top of this list down:
//
//   - agent (this package; cli.go, cliflags.go, cmd_*.go): the commands.
//   - agent/pipeline: load the environment once, plan through the
//     profile's product, apply under the home's lock, prepare and start the
//     server and its jobs. render and run call the same pipeline.Setup.
//   - agent/product/carbon44 (API Manager 2.0.0, IS 5.2.0, Analytics 2.0.0)
//     and agent/product/apim4 (API Manager 4.x): the knowledge of each
//     product — files, elements, keys, variables, start scripts, probes.
//   - agent/product: the Product interface the pipeline calls, the
//     profile registry, the home rule (product.Home), product detection.
//   - agent/plan: the Plan (every action computed, nothing written), how
//     it is rendered with secrets masked, and how it is applied durably.
//   - agent/contract: the environment contract (every WSO2_* variable, its
//     default, whether it is secret) and the checks of its values.
//   - the leaf libraries, which know no more of WSO2 than their one job
//     needs: xmlconf and tomlconf edit configuration files, keystore reads
//     and writes JKS and PKCS12, and agent/certs, quartz, carbonapp, jobs,
//     supervise, depwait, homelock, adminpw, health, exitcode and udiff.
//
// This package must not know what a product writes, nor how a plan is
// computed or applied: it parses flags, asks the pipeline, and prints.
// Nothing in the module imports it but cmd/agent and the e2e tests (which
// read Vars, the whole contract).
//
// One rule, one place: the product home is product.Home, the keystore
// names are certs.KeystoreFile and certs.KeyAlias, a file's kind is
// xmlconf.IsProperties or the TOML kind's Matches, a change's op name is
// the patch format's (opName and ApplyTOML in plan), the profile names are
// registered once by their product, and whether a variable is secret is
// its `secret` tag in contract.Config.
//
// The agent never prints a secret: values declared secret in the contract,
// and old secret values found in the files, are masked in every log line
// and error (pipeline's logger); render masks the values at the secret
// places of the files it shows (the places the plan's secret edits set),
// and every known secret value in its free text.
package agent
