// Package agent is the container agent: the command line, the environment
// contract and the start-up pipeline of the WSO2 product images, and, for
// now, the knowledge of each product beside them (issue 13 moves the
// product knowledge into packages of its own). Its leaf libraries know no
// more of WSO2 than their one job needs: xmlconf and tomlconf edit
// configuration files, keystore reads and writes JKS and PKCS12, and the
// packages below agent/ do one job each (certs, quartz, carbonapp, jobs,
// supervise, depwait, homelock, adminpw, health, exitcode, udiff); each
// one's doc comment says what it must not know.
//
// It must not know what those libraries keep to themselves: how an edit is
// spliced into a configuration file's bytes and checked (xmlconf,
// tomlconf), how a keystore is encoded (keystore), how a carbon app
// archive is rewritten (carbonapp), how a planned file is written
// (internal/atomicfile), how children are waited for and reaped
// (supervise); it says what to change and what to run. Nothing below it
// may know it: of the module's packages only cmd/agent imports it, and the
// e2e tests read its environment contract (Vars).
//
// Where things live, by file name:
//
//   - cli.go, cmd_*.go: the subcommands (render, run, env, certs, cron,
//     admin-password, health) and their flags; Main is the entry point.
//   - config.go, envtypes.go, envcheck.go, validate_values.go: the
//     environment contract (every WSO2_* variable, its default, whether it
//     is secret), loading and validating it.
//   - pipeline.go, plan.go, plan_*.go, edits.go, toml_edit.go, volumes.go,
//     apply.go: load → plan (every change computed, nothing written) →
//     apply (staged, made durable, renamed into place).
//   - profile.go, product.go, product_*.go: the products and their
//     profiles: which files, elements, keys and start scripts each uses.
//     The pipeline asks a product only through the product interface
//     (product.go); product_carbon44.go serves API Manager 2.0.0
//     (product_am.go), Identity Server 5.2.0 (product_is.go) and Analytics
//     2.0.0 (product_das.go); product_apim4*.go is API Manager 4.x.
//   - render.go, secretmask.go: what render and --dry-run print, with
//     secrets masked.
//   - run_prepare.go, run_keystorewait.go, waittarget.go, run_jobs.go:
//     what run does around apply: preparing the server's command and
//     environment, waiting for the own keystore and the dependencies, the
//     scheduled jobs; supervising is package supervise.
//
// One rule, one place: the product home is productHome (profile.go), the
// keystore names are certs.KeystoreFile and certs.KeyAlias, a file's kind
// is xmlconf.IsProperties or the TOML kind's Matches, and a change's op
// name is the patch format's (opName in pipeline.go, applyTOML).
//
// The pipeline never prints a secret: values declared secret in the
// contract, and old secret values found in the files, are masked in every
// log line and error; render masks the values at the secret places of the
// files it shows (the places the plan's secret edits set), and every known
// secret value in its free text (names, warnings, job command lines).
package agent
