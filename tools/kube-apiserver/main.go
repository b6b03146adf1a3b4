// Command kube-apiserver is the real Kubernetes API server, built from
// k8s.io/kubernetes at the version go.mod names, for the manifest tests
// (e2e/kubeapi): nothing of it is in this repository but this file.
//
// It must not know the project: it is a module of its own that imports
// nothing of the agent's, and it knows no manifest; internal/kubeapi runs
// it and the tests apply the manifests.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
