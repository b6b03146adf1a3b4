// Package plan is the setup computed before anything is written, and the
// two things done with it: showing it and applying it.
//
// A Plan holds every action of one start — each file written or removed
// with its old and new bytes and its individual changes (XML, .properties
// and TOML edits, keystores, copies), the seeds of empty volumes, the
// dependencies to wait for, the server command and its environment, the
// scheduled jobs and the Analytics schedules — and which of the values it
// writes are secret. An EditSet collects the edits of the files (a
// product's, then the image builder's patch files, in order) and AddEdits
// computes them all at once; RecordCertificates adds the truststore import
// and the own keystore. Report, WriteText and WriteJSON are what `agent
// render` prints, with the secret places and every known secret value
// masked; Apply stages the changed files, makes them durable and renames
// them into place, or changes nothing.
//
// It must not know the products or the environment variables that lead to
// an edit (a product decides what to change; the pipeline loads, plans and
// runs): it knows files, edits and secrets. How an edit is spliced into a
// file's bytes is xmlconf's and tomlconf's, how a keystore is encoded is
// keystore's, how a file is written durably is internal/atomicfile's.
package plan
