package blas

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
)

// keepChoice restores the BLAS in use when the test ends.
func keepChoice(t *testing.T) {
	get()
	old := current.Load()
	t.Cleanup(func() { current.Store(old) })
}

func openblasLoadable() bool {
	_, err := loadOpenBLAS()
	return err == nil
}

func TestResolve(t *testing.T) {
	ok := openblasLoadable()
	autoName := Go
	if ok {
		autoName = OpenBLAS
	}
	cases := []struct {
		value      string
		wantName   string
		wantErr    bool
		reasonHas  string
		onlyWithOB bool // case only meaningful when OpenBLAS loads
	}{
		{value: "", wantName: autoName},
		{value: "auto", wantName: autoName},
		{value: " Auto ", wantName: autoName},
		{value: "go", wantName: Go, reasonHas: "DALE_BLAS=go"},
		{value: "GO", wantName: Go, reasonHas: "DALE_BLAS=go"},
		{value: "openblas", wantName: OpenBLAS, reasonHas: "loaded ", onlyWithOB: true},
		{value: "openblas", wantName: Go, wantErr: true, reasonHas: "DALE_BLAS=openblas"},
		{value: "mkl", wantName: Go, wantErr: true, reasonHas: `"mkl" is not allowed`},
	}
	for _, c := range cases {
		if c.value == "openblas" && c.onlyWithOB != ok {
			continue
		}
		ch, err := resolve(c.value, EnvVar)
		if ch == nil || ch.impl == nil {
			t.Fatalf("resolve(%q) returned no implementation", c.value)
		}
		if ch.name != c.wantName {
			t.Errorf("resolve(%q): name %q, want %q", c.value, ch.name, c.wantName)
		}
		if (err != nil) != c.wantErr {
			t.Errorf("resolve(%q): error %v, want error: %v", c.value, err, c.wantErr)
		}
		if !strings.Contains(ch.reason, c.reasonHas) {
			t.Errorf("resolve(%q): reason %q does not contain %q", c.value, ch.reason, c.reasonHas)
		}
		if ch.name == Go {
			if _, isGonum := ch.impl.(gonum.Implementation); !isGonum {
				t.Errorf("resolve(%q): name go but implementation %T", c.value, ch.impl)
			}
		}
	}
}

func TestSet(t *testing.T) {
	keepChoice(t)
	if err := Set(Go); err != nil {
		t.Fatalf("Set(go): %v", err)
	}
	if Name() != Go || Reason() != `Set("go")` {
		t.Errorf("after Set(go): Name %q Reason %q", Name(), Reason())
	}
	if _, ok := Float32().(gonum.Implementation); !ok {
		t.Errorf("after Set(go): Float32() is %T, want gonum.Implementation", Float32())
	}
	if _, ok := Float64().(gonum.Implementation); !ok {
		t.Errorf("after Set(go): Float64() is %T, want gonum.Implementation", Float64())
	}
	if Threads() < 1 {
		t.Errorf("Threads() = %d with pure Go", Threads())
	}
	if err := SetThreads(2); err == nil {
		t.Error("SetThreads with pure Go: no error")
	}
	err := Set("cuda")
	if err == nil || !strings.Contains(err.Error(), `"cuda" is not allowed`) {
		t.Errorf("Set(cuda): error %v", err)
	}
	if Name() != Go {
		t.Errorf("a failed Set changed the BLAS to %q", Name())
	}

	requireOpenBLAS(t)
	if err := Set(OpenBLAS); err != nil {
		t.Fatalf("Set(openblas): %v", err)
	}
	if Name() != OpenBLAS || !strings.HasPrefix(Reason(), "loaded ") {
		t.Errorf("after Set(openblas): Name %q Reason %q", Name(), Reason())
	}
	if _, ok := Float32().(openblas); !ok {
		t.Errorf("after Set(openblas): Float32() is %T", Float32())
	}
	before := Threads()
	if before < 1 {
		t.Fatalf("Threads() = %d with OpenBLAS", before)
	}
	t.Cleanup(func() { _ = SetThreads(before) })
	if err := SetThreads(1); err != nil {
		t.Fatalf("SetThreads(1): %v", err)
	}
	if Threads() != 1 {
		t.Errorf("after SetThreads(1): Threads() = %d", Threads())
	}
	if err := SetThreads(0); err == nil {
		t.Error("SetThreads(0): no error")
	}
}

// TestHelperProcess is not a test: TestEnvironment runs the test binary with it to see what a
// fresh process chooses from its environment.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("DALE_BLAS_TEST_HELPER") != "1" {
		t.Skip("helper process for TestEnvironment")
	}
	err := Init()
	msg := "<nil>"
	if err != nil {
		msg = err.Error()
	}
	core, set := os.LookupEnv(coreTypeEnvVar)
	if !set {
		core = "<unset>"
	}
	os.Stdout.WriteString("name=" + Name() + "\nreason=" + Reason() + "\ninit=" + msg +
		"\nthreads=" + strconv.Itoa(Threads()) + "\ncoretype=" + core + "\n")
	os.Exit(0)
}

func TestEnvironment(t *testing.T) {
	ok := openblasLoadable()
	missing := "/nonexistent/libopenblas.so.0"
	cases := []struct {
		env      []string
		wantName string
		initErr  string // substring, "" for no error
		reason   string // substring
		needOB   bool
		threads  int    // OpenBLAS's thread count afterwards; 0: not checked
		core     string // with a DYNAMIC_ARCH OpenBLAS, the core named in Reason(); "": not checked
	}{
		{env: []string{"DALE_BLAS=go"}, wantName: Go, reason: "DALE_BLAS=go"},
		{env: []string{"DALE_BLAS=go", LibEnvVar + "=" + missing}, wantName: Go, reason: "DALE_BLAS=go"},
		{env: []string{"DALE_BLAS=fast"}, wantName: Go, initErr: `DALE_BLAS = "fast" is not allowed`, reason: "using pure Go"},
		{env: []string{LibEnvVar + "=" + missing}, wantName: Go, reason: missing},
		{env: []string{"DALE_BLAS=openblas", LibEnvVar + "=" + missing}, wantName: Go,
			initErr: "DALE_BLAS=openblas but OpenBLAS cannot be used", reason: missing},
		{env: []string{"DALE_BLAS=openblas"}, wantName: OpenBLAS, reason: "loaded ", needOB: true},
		{env: nil, wantName: OpenBLAS, reason: "libopenblas", needOB: true, threads: 1},
		{env: []string{"OPENBLAS_NUM_THREADS=2"}, wantName: OpenBLAS, reason: "loaded ", needOB: true, threads: 2},
		{env: []string{"OMP_NUM_THREADS=2"}, wantName: OpenBLAS, reason: "loaded ", needOB: true, threads: 2},
		{env: []string{coreTypeEnvVar + "=Haswell"}, wantName: OpenBLAS, reason: "loaded ", needOB: true,
			threads: 1, core: "Haswell"},
	}
	for _, c := range cases {
		if c.needOB && !ok {
			continue
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		for _, kv := range os.Environ() {
			// the variables under test come from the case alone
			k, _, _ := strings.Cut(kv, "=")
			switch k {
			case "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS", coreTypeEnvVar:
				continue
			}
			if !strings.HasPrefix(kv, "DALE_BLAS") && !strings.HasPrefix(kv, LibEnvVar) {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "DALE_BLAS_TEST_HELPER=1")
		cmd.Env = append(cmd.Env, c.env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%v: helper process: %v\n%s", c.env, err, out)
		}
		got := map[string]string{}
		for _, line := range strings.Split(string(out), "\n") {
			if k, v, found := strings.Cut(line, "="); found {
				got[k] = v
			}
		}
		if got["name"] != c.wantName {
			t.Errorf("%v: name %q, want %q", c.env, got["name"], c.wantName)
		}
		if !strings.Contains(got["reason"], c.reason) {
			t.Errorf("%v: reason %q does not contain %q", c.env, got["reason"], c.reason)
		}
		if c.threads != 0 && got["threads"] != strconv.Itoa(c.threads) {
			t.Errorf("%v: threads %q, want %d", c.env, got["threads"], c.threads)
		}
		if c.core != "" && strings.Contains(got["reason"], "DYNAMIC_ARCH") && !strings.Contains(got["reason"], " "+c.core+" ") {
			t.Errorf("%v: reason %q does not name core %q", c.env, got["reason"], c.core)
		}
		// the loader restores the environment it changed
		if want := envValue(c.env, coreTypeEnvVar); c.needOB && got["coretype"] != want {
			t.Errorf("%v: %s = %q after loading, want %q", c.env, coreTypeEnvVar, got["coretype"], want)
		}
		if c.initErr == "" && got["init"] != "<nil>" {
			t.Errorf("%v: Init() = %q, want nil", c.env, got["init"])
		}
		if c.initErr != "" && !strings.Contains(got["init"], c.initErr) {
			t.Errorf("%v: Init() = %q, want it to contain %q", c.env, got["init"], c.initErr)
		}
	}
}

// envValue returns the value of key in env (KEY=VALUE entries), or "<unset>".
func envValue(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return "<unset>"
}
