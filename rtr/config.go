package rtr

import (
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"

	"github.com/rtrplay/rtrplay/internal/loopback"
)

// Environment variables read by ConfigFromEnv. The FALCON_ names follow the
// conventions of the official Falcon SDKs.
const (
	EnvClientID     = "FALCON_CLIENT_ID"
	EnvClientSecret = "FALCON_CLIENT_SECRET"
	EnvMemberCID    = "FALCON_MEMBER_CID"
	EnvCloud        = "FALCON_CLOUD"
	EnvBaseURL      = "FALCON_BASE_URL"
	EnvCAFile       = "FALCON_CA_FILE"
	EnvLoopbackOnly = "RTRPLAY_LOOPBACK_ONLY"
)

// Config is the connection settings for one Falcon tenant. The zero value
// of every optional field selects the default documented on it.
type Config struct {
	// ClientID and ClientSecret are the API client's OAuth2 credentials.
	ClientID     string
	ClientSecret string

	// MemberCID is the child CID that an MSSP parent acts for. The form
	// copied from the console, with its "-XX" checksum suffix, is accepted
	// and sent without the suffix.
	MemberCID string

	// Cloud is the cloud name (us-1, us-2, us-3, eu-1, us-gov-1, us-gov-2 or
	// autodiscover), spelled as FALCON_CLOUD accepts it. Empty means us-1.
	// BaseURL, when set, wins over Cloud.
	Cloud string

	// BaseURL is the API's base URL, such as https://api.eu-1.crowdstrike.com.
	// A bare host name gets https://. Plain http:// is accepted only for a
	// loopback host.
	BaseURL string

	// CAFile is a PEM file of extra CA certificates to trust besides the
	// system pool, as needed behind a TLS-inspecting proxy or for the
	// emulator.
	CAFile string

	// LoopbackOnly makes every connection go through the loopback dial
	// guard, with no proxy, so that tests cannot reach a real cloud.
	LoopbackOnly bool

	// UserAgent is sent on every request. Empty means rtrplay/<version>,
	// the version coming from the binary's build information.
	UserAgent string

	// Logger receives one debug record per HTTP request plus retry and
	// rate-limit records. Nil discards them.
	Logger *slog.Logger

	// Limits caps the number of ids per request for each endpoint. Zero
	// fields take the values of DefaultLimits.
	Limits Limits

	// cloudURLs replaces the cloud-to-URL table, so that tests can point
	// region discovery at local servers.
	cloudURLs map[Cloud]string
}

// ConfigFromEnv builds a Config from environment variables read through
// getenv (os.Getenv in production). It checks the form of every value it
// reads but does not require credentials: New reports missing ones.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		ClientID:     strings.TrimSpace(getenv(EnvClientID)),
		ClientSecret: strings.TrimSpace(getenv(EnvClientSecret)),
		BaseURL:      strings.TrimSpace(getenv(EnvBaseURL)),
		CAFile:       strings.TrimSpace(getenv(EnvCAFile)),
	}

	memberCID, err := NormalizeMemberCID(getenv(EnvMemberCID))
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", EnvMemberCID, err)
	}
	cfg.MemberCID = memberCID

	if name := strings.TrimSpace(getenv(EnvCloud)); name != "" {
		cloud, err := ParseCloud(name)
		if err != nil {
			return Config{}, fmt.Errorf("%s: %w", EnvCloud, err)
		}
		cfg.Cloud = string(cloud)
	}

	if cfg.BaseURL != "" {
		if _, err := normalizeBaseURL(cfg.BaseURL); err != nil {
			return Config{}, fmt.Errorf("%s: %w", EnvBaseURL, err)
		}
	}

	switch value := strings.TrimSpace(getenv(EnvLoopbackOnly)); strings.ToLower(value) {
	case "", "0", "false":
	case "1", "true":
		cfg.LoopbackOnly = true
	default:
		return Config{}, fmt.Errorf("%s: invalid value %q; use 1 or 0", EnvLoopbackOnly, value)
	}
	return cfg, nil
}

// memberCIDPattern matches a CID: 32 hex digits, optionally followed by the
// two-character checksum that the Falcon console appends after a dash.
var memberCIDPattern = regexp.MustCompile(`^([0-9A-Fa-f]{32})(?:-[0-9A-Za-z]{2})?$`)

// NormalizeMemberCID returns cid as the 32-hex form that the token endpoint
// takes, dropping the console's "-XX" checksum suffix. Letter case is kept
// because whether the API compares CIDs case-sensitively is not documented.
// An empty cid stays empty.
func NormalizeMemberCID(cid string) (string, error) {
	cid = strings.TrimSpace(cid)
	if cid == "" {
		return "", nil
	}
	m := memberCIDPattern.FindStringSubmatch(cid)
	if m == nil {
		return "", fmt.Errorf("invalid member CID %q: want 32 hex digits, "+
			"optionally followed by the console's checksum suffix such as -A7", cid)
	}
	return m[1], nil
}

// validate checks the fields New needs and returns the base URL to use, or
// "" when the cloud is to be discovered.
func (c Config) validate() (string, error) {
	var missing []string
	if c.ClientID == "" {
		missing = append(missing, "client id ("+EnvClientID+")")
	}
	if c.ClientSecret == "" {
		missing = append(missing, "client secret ("+EnvClientSecret+")")
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("missing API client %s", strings.Join(missing, " and "))
	}
	if _, err := NormalizeMemberCID(c.MemberCID); err != nil {
		return "", err
	}

	base, err := c.baseURL()
	if err != nil {
		return "", err
	}
	if c.LoopbackOnly {
		checked := base
		if base == "" {
			checked, _ = c.cloudURL(CloudUS1) // where discovery starts
		}
		if err := checkLoopbackURL(checked); err != nil {
			return "", err
		}
	}
	return base, nil
}

// baseURL returns BaseURL, or else the URL of the configured cloud, or ""
// for autodiscover.
func (c Config) baseURL() (string, error) {
	if c.BaseURL != "" {
		base, err := normalizeBaseURL(c.BaseURL)
		if err != nil {
			return "", fmt.Errorf("base URL: %w", err)
		}
		return base, nil
	}
	cloud := CloudUS1
	if c.Cloud != "" {
		parsed, err := ParseCloud(c.Cloud)
		if err != nil {
			return "", err
		}
		cloud = parsed
	}
	if cloud == CloudAutodiscover {
		return "", nil
	}
	return c.cloudURL(cloud)
}

// cloudURL returns the base URL of cloud from the table, or from the
// test override when one is set.
func (c Config) cloudURL(cloud Cloud) (string, error) {
	if c.cloudURLs != nil {
		if u, ok := c.cloudURLs[cloud]; ok {
			return u, nil
		}
		return "", fmt.Errorf("cloud %s has no URL in the override table", cloud)
	}
	return cloud.BaseURL(), nil
}

// normalizeBaseURL checks raw and returns it without a trailing slash.
func normalizeBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("invalid URL %q: %w", raw, err)
	}
	if u.Host == "" {
		return "", fmt.Errorf("invalid URL %q: no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("invalid URL %q: remove the query, fragment or user info", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		// Plain HTTP would send the client secret in clear text, which is
		// only acceptable when the server is on this machine.
		if err := loopback.CheckHost(u.Hostname()); err != nil {
			return "", fmt.Errorf("invalid URL %q: plain http is allowed only for loopback hosts; use https", raw)
		}
	default:
		return "", fmt.Errorf("invalid URL %q: scheme must be https", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func checkLoopbackURL(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("invalid base URL %q: %w", base, err)
	}
	if err := loopback.CheckHost(u.Hostname()); err != nil {
		return fmt.Errorf("base URL %s with %s set: %w", base, EnvLoopbackOnly, err)
	}
	return nil
}

// String describes the configuration with the client secret redacted, so
// that formatting a Config with fmt does not show the secret.
func (c Config) String() string {
	return fmt.Sprintf("rtr.Config{ClientID: %q, ClientSecret: %q, MemberCID: %q, Cloud: %q, "+
		"BaseURL: %q, CAFile: %q, LoopbackOnly: %t, UserAgent: %q}",
		c.ClientID, redact(c.ClientSecret), c.MemberCID, c.Cloud,
		c.BaseURL, c.CAFile, c.LoopbackOnly, c.UserAgent)
}

// GoString redacts the secret for the %#v verb too.
func (c Config) GoString() string { return c.String() }

// LogValue implements slog.LogValuer with the client secret redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("client_id", c.ClientID),
		slog.String("client_secret", redact(c.ClientSecret)),
		slog.String("member_cid", c.MemberCID),
		slog.String("cloud", c.Cloud),
		slog.String("base_url", c.BaseURL),
		slog.String("ca_file", c.CAFile),
		slog.Bool("loopback_only", c.LoopbackOnly),
	)
}

// redact returns a placeholder for a non-empty secret, keeping "is it set"
// visible without the value.
func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return "REDACTED"
}
