package main

import (
	"strings"
	"testing"
)

func TestLoadFleetNames(t *testing.T) {
	tests := []struct {
		name      string
		wantHosts int
		wantErr   string
	}{
		{"demo", 7, ""},
		{"generated:40", 40, ""},
		{"generated:40:7", 40, ""},
		{"generated:0", 0, "N from 1 to 100000"},
		{"no-such-fleet.json", 0, "neither a built-in fleet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := loadFleet(tt.name)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("loadFleet(%q) error = %v; want %q", tt.name, err, tt.wantErr)
				}
				return
			}
			if err != nil || len(f.Hosts()) != tt.wantHosts {
				t.Fatalf("loadFleet(%q) = %v; want %d hosts", tt.name, err, tt.wantHosts)
			}
		})
	}
}
