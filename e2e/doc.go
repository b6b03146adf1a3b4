// Package e2e holds the project's end-to-end checks. It has no code of its
// own, only tests:
//
//   - manifests_test.go (always run): the deployment files under deploy/
//     (swarm stack, compose file, Kubernetes manifests) are checked
//     structurally against each other and against the agent's environment
//     contract, and by `docker stack config` / `docker compose config`.
//   - k8s_apim4_test.go (always run): every Kubernetes manifest decoded
//     strictly into the k8s.io/api types (unknown fields fail), and the
//     API Manager 4.5 pattern-3 files (Kubernetes, Swarm, compose) checked
//     against the agent's contract and the README's Helm value table.
//   - standin_test.go (always run): the Carbon stand-in used by the Docker
//     test, run on a real JVM through the real wso2server.sh with keystores
//     made by keytool, so the Docker test's observer is known to be good;
//     its 4.x mode and TOML reader (checked against BurntSushi/toml).
//   - kubeapi_test.go (run by `make test`): every Kubernetes manifest folder
//     under deploy/ is applied, server-side dry run with strict validation,
//     to a real kube-apiserver and etcd (internal/kubeapi), with no warning,
//     in namespaces that enforce the restricted Pod Security Standard;
//     skipped, with the reason, when the server cannot be built here.
//   - docker_test.go (build tag e2e, `make e2e`): images built from
//     Dockerfile.base and images/ run as a cluster on a user-defined Docker
//     network; skipped, with a printed reason, when no Docker engine answers.
//   - swarm_test.go (build tag e2e, `make e2e`): both Swarm stacks deployed
//     live on a single-node swarm, scaled, rolled, restarted, killed and
//     removed; it prints which parts ran and which were skipped, and why.
//
// It must not know how the agent does its work: of package agent it reads
// only the environment contract (Vars), of agent/health only its probe,
// and it judges the agent from outside, as an operator would, through
// deploy/, the images and their containers.
package e2e
