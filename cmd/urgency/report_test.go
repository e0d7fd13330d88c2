package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileTicket carries markup in every text field a report shows.
const hostileTicket = `{"id":"X-<b>1</b>","subject":"<script>alert(1)</script><img src=https://example.com/x.png> payment failed","body":"card declined <iframe src=//example.com>","channel":"email","created_at":"2026-11-22T09:00:00Z","customer":{"id":"C-\"><svg onload=alert(2)>","tier":"premium"}}`

func reportTickets(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(ticketsFile)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "tickets.jsonl")
	require.NoError(t, os.WriteFile(path, append(data, []byte(hostileTicket+"\n")...), 0o644))
	return path
}

var (
	// tag is one element's start or end tag: ticket text, escaped,
	// holds no raw "<".
	tag = regexp.MustCompile(`<[^>]*>`)
	// fetching finds, in a tag, what a browser would load or run: a src,
	// href and the like, an event handler, an address.
	fetching = regexp.MustCompile(`(?i)\s(src|href|srcset|action|formaction|poster|data|background|on[a-z]+)\s*=|https?:|//`)
	// styleFetch finds what CSS would load.
	styleFetch = regexp.MustCompile(`(?i)url\(|@import|https?:|//`)
)

// TestReportSelfContained checks that the report is one page that loads
// nothing, runs nothing, and shows ticket text as text.
func TestReportSelfContained(t *testing.T) {
	t.Parallel()
	tickets := reportTickets(t)
	out := filepath.Join(t.TempDir(), "report.html")
	r := runCmd(t, "", "report", tickets, "-now", fixedNow, "-o", out)
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	assert.Empty(t, r.stdout)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	page := string(data)

	assert.Contains(t, page, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`)
	for _, tg := range tag.FindAllString(page, -1) {
		if strings.HasPrefix(tg, "<meta http-equiv=") {
			continue
		}
		assert.NotRegexp(t, fetching, tg, "a tag that loads or runs something")
	}
	style := page[strings.Index(page, "<style>"):strings.Index(page, "</style>")]
	assert.NotRegexp(t, styleFetch, style)
	for _, el := range []string{"<script", "<img", "<iframe", "<link", "<object", "<embed", "<base", "<svg onload"} {
		assert.NotContains(t, page, el)
	}
	assert.Contains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, page, "X-&lt;b&gt;1&lt;/b&gt;")
	assert.Contains(t, page, "<svg", "the level mix is drawn inline")
	assert.Equal(t, len(inputIDs(t, ticketsFile))+1, strings.Count(page, "<details>"), "every ticket has its reasons")

	r2 := runCmd(t, "", "report", tickets, "-now", fixedNow)
	require.Equal(t, 0, r2.code, "stderr:\n%s", r2.stderr)
	assert.Equal(t, page, r2.stdout, "the same page on standard output, the same for the same input")
}

// TestReportDiff checks a report of a rule change: the level mix before
// and after, and the tickets that move with both sides.
func TestReportDiff(t *testing.T) {
	t.Parallel()
	r := runCmd(t, "", "report", "-old", "default", "-new", "../../rules/default/", "-new", "testdata/diff/extra.yaml", "-now", fixedNow, ticketsFile)
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	d := runCmd(t, "", "diff", "-old", "default", "-new", "../../rules/default/", "-new", "testdata/diff/extra.yaml", "-now", fixedNow, "-format", "json", ticketsFile)
	require.Equal(t, 0, d.code, "stderr:\n%s", d.stderr)
	rep := parseDiff(t, d.stdout)
	require.NotEmpty(t, rep.Changes)
	assert.Contains(t, r.stdout, `<table id="changes">`)
	assert.Contains(t, r.stdout, `<b id="changed">`+strconv.Itoa(rep.Counts.Changed)+`</b>`)
	for _, c := range rep.Changes {
		assert.Contains(t, r.stdout, `<td class="nw">`+c.ID+"</td>")
	}
	assert.Contains(t, r.stdout, `class="before"`, "the chart has the before bars")
}

// chromium finds a Chromium or Chrome binary, "" when there is none.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// headless runs Chromium without a sandbox, a GPU, a network or a
// profile of its own beyond a fresh directory.
func headless(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--hide-scrollbars"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "chromium: %s", stderr.String())
	return out
}

// TestReportInBrowser opens the report in headless Chromium and checks
// what it renders: the queue's rows, the ticket text as text (no element
// made of it), and the chart's bars drawn in the colour of the most
// urgent level. Skipped when no Chromium is installed (.ci/run installs
// Debian's).
func TestReportInBrowser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("no chromium on PATH: .ci/run installs it")
	}
	t.Parallel()
	tickets := reportTickets(t)
	page := filepath.Join(t.TempDir(), "report.html")
	r := runCmd(t, "", "report", tickets, "-now", fixedNow, "-o", page)
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)

	dom := string(headless(t, bin, "--dump-dom", "file://"+page))
	queue := dom[strings.Index(dom, `<table id="queue">`):]
	queue = queue[:strings.Index(queue, "</table>")]
	assert.Equal(t, len(inputIDs(t, ticketsFile))+1, strings.Count(queue, "<tr>")-1, "one row per ticket under the header")
	assert.NotContains(t, dom, "<script", "ticket text made no element")
	assert.NotContains(t, dom, "<img")
	assert.Contains(t, dom, "&lt;script&gt;alert(1)&lt;/script&gt;", "ticket text shown as text")
	assert.Regexp(t, `<rect class="l0"[^>]* width="[1-9]`, dom, "a bar for the first level")

	shot := filepath.Join(t.TempDir(), "report.png")
	headless(t, bin, "--screenshot="+shot, "--window-size=1280,900", "file://"+page)
	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 1280, 900), img.Bounds())
	red := 0
	for y := 0; y < 900; y++ {
		for x := 0; x < 1280; x++ {
			if near(img.At(x, y), color.RGBA{0xc6, 0x28, 0x28, 0xff}) {
				red++
			}
		}
	}
	assert.Greater(t, red, 500, "the critical level's colour is painted: badges and its bar")
	if dir := os.Getenv("URGENCY_REPORT_SCREENSHOT"); dir != "" {
		data, err := os.ReadFile(shot)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(dir, data, 0o644))
	}
}

func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, w uint8) int { return abs(int(a>>8) - int(w)) }
	return d(r, want.R) < 12 && d(g, want.G) < 12 && d(b, want.B) < 12
}
