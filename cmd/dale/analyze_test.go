package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dale analyze on a small trained run: the arrays and figures are written,
// and bad input is refused with exit 2 before anything is written.
func TestAnalyze(t *testing.T) {
	work := t.TempDir()
	dir := trainedRun(t, work) // pdm, two-area E/I mask
	r := runBin(t, work, "analyze", "--run", dir, "--trials", "128")
	if r.code != 0 {
		t.Fatalf("analyze: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, f := range []string{"fixedpoints_1.npz", "fixedpoints_1.png", "lesions.json", "lesions.png"} {
		if _, err := os.Stat(filepath.Join(dir, "analysis", f)); err != nil {
			t.Errorf("analysis/%s: %v", f, err)
		}
	}
	for _, want := range []string{"fixed points (zero input):", "lesion inter-area E→E"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	// TDR ran, or was skipped with a warning (a network this little
	// trained may always make one choice).
	_, terr := os.Stat(filepath.Join(dir, "analysis", "tdr.npz"))
	if (terr == nil) == strings.Contains(r.stderr, "tdr skipped") || (terr == nil) != strings.Contains(r.stdout, "tdr: axes choice at") {
		t.Errorf("tdr: file %v, stdout %q, stderr %q", terr, r.stdout, r.stderr)
	}
	before := files(t, dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--what", "nope"}, `--what = "nope" is not allowed`},
		{[]string{"--input", "1,2"}, "--input = 2 values is not allowed: the network of task \"pdm\" has 3 input channels"},
		{[]string{"--input", "1,x,3"}, "--input"},
		{[]string{"--units", "-1"}, "--units"},
		{[]string{"--units", "999"}, "unit 999 is not allowed"},
		{[]string{"--out", filepath.Join(dir, "best.npz")}, "is not allowed: it is the run directory"},
	} {
		r := runBin(t, work, append([]string{"analyze", "--run", dir}, c.args...)...)
		oneLine(t, r, c.want)
	}
	unchanged(t, dir, before)
	other := filepath.Join(work, "gonogo")
	if r := runBin(t, work, "train", "--task", "gonogo", "--steps", "3", "--out", other, "--quiet"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	oneLine(t, runBin(t, work, "analyze", "--run", other, "--what", "tdr"), `task "gonogo" has no task variables for TDR`)
}
