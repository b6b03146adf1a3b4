package certs_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/certs"
)

// benchSetup makes the eight default components' certificates and a copy
// of WSO2's 94-entry client-truststore.jks.
func benchSetup(b *testing.B) (certDir, ts string, stock []byte) {
	dir := b.TempDir()
	certDir = filepath.Join(dir, "certificates")
	genCerts(b, certDir, false, testComponents...)
	ts = copyStock(b, "client-truststore.jks", dir)
	return certDir, ts, readFile(b, ts)
}

// BenchmarkPlanImport8: plan the import of 8 certificates into the stock
// truststore (read 8 PEMs and the store, verify, add, marshal).
func BenchmarkPlanImport8(b *testing.B) {
	certDir, ts, _ := benchSetup(b)
	now := time.Now()
	for b.Loop() {
		p, err := certs.PlanImport(certDir, ts, "wso2carbon", now)
		if err != nil || !p.Changed() {
			b.Fatal(err)
		}
	}
}

// BenchmarkImport8: plan and apply (atomic write with fsync) the import of
// 8 certificates into the stock truststore; the store is reset between
// iterations outside the timer. The target is under 5 ms.
func BenchmarkImport8(b *testing.B) {
	certDir, ts, stock := benchSetup(b)
	now := time.Now()
	for b.Loop() {
		b.StopTimer()
		if err := os.WriteFile(ts, stock, 0o644); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		p, err := certs.PlanImport(certDir, ts, "wso2carbon", now)
		if err != nil || !p.Changed() {
			b.Fatal(err)
		}
		if err := p.Apply(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImport8Restart: the second start, nothing to write.
func BenchmarkImport8Restart(b *testing.B) {
	certDir, ts, _ := benchSetup(b)
	p, err := certs.PlanImport(certDir, ts, "wso2carbon", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Apply(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p, err := certs.PlanImport(certDir, ts, "wso2carbon", time.Now())
		if err != nil || p.Changed() {
			b.Fatal(err)
		}
	}
}

// BenchmarkImport8PKCS12: plan and apply the import of the eight
// components' certificates into API Manager 4.5's client-truststore.jks
// (PKCS12, 150 entries, no MAC); the store is reset between iterations
// outside the timer.
func BenchmarkImport8PKCS12(b *testing.B) {
	dir := b.TempDir()
	certDir := filepath.Join(dir, "certificates")
	genCerts(b, certDir, false, testComponents...)
	ts := copyFixture(b, "wso2am-4.5.0", "client-truststore.jks", dir)
	stock := readFile(b, ts)
	now := time.Now()
	for b.Loop() {
		b.StopTimer()
		if err := os.WriteFile(ts, stock, 0o644); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		p, err := certs.PlanImport(certDir, ts, "wso2carbon", now)
		if err != nil || !p.Changed() {
			b.Fatal(err)
		}
		if err := p.Apply(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImport8PKCS12Restart: the second start on the 4.5 truststore,
// nothing to write.
func BenchmarkImport8PKCS12Restart(b *testing.B) {
	dir := b.TempDir()
	certDir := filepath.Join(dir, "certificates")
	genCerts(b, certDir, false, testComponents...)
	ts := copyFixture(b, "wso2am-4.5.0", "client-truststore.jks", dir)
	p, err := certs.PlanImport(certDir, ts, "wso2carbon", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Apply(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p, err := certs.PlanImport(certDir, ts, "wso2carbon", time.Now())
		if err != nil || p.Changed() {
			b.Fatal(err)
		}
	}
}
