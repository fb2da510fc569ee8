// Package numpytest lets tests check that numpy reads what dale writes.
//
// It finds a python3 that can import numpy (Debian's python3-numpy installs
// one at /usr/bin/python3, which may differ from the python3 first on PATH)
// and skips the calling test when there is none. .ci/run installs
// python3-numpy, so in CI these checks always run.
package numpytest

import (
	"bytes"
	"os/exec"
	"sync"
	"testing"
)

var (
	once   sync.Once
	python string
)

func find() {
	for _, p := range []string{"python3", "/usr/bin/python3", "/usr/local/bin/python3", "python"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import numpy").Run() == nil {
			python = path
			return
		}
	}
}

// Python returns a python interpreter that can import numpy, or skips the
// test when none is installed.
func Python(t testing.TB) string {
	t.Helper()
	once.Do(find)
	if python == "" {
		t.Skip("no python3 with numpy found (install python3-numpy)")
	}
	return python
}

// Run runs the python source src with args (sys.argv[1:]) and returns its
// standard output; the test fails if the script fails.
func Run(t testing.TB, src string, args ...string) string {
	t.Helper()
	py := Python(t)
	cmd := exec.Command(py, append([]string{"-c", src}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("python failed: %v\n%s", err, errb.String())
	}
	return out.String()
}
