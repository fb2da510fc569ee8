package run

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/npz"
	"github.com/dale-rnn/dale/rnn"
)

// Task variance of a yang20 network: one column per task, the kept units
// clustered, the files written; refused for a task that is not a
// multitask. And --no-dale's config: no mask, no sign constraint.
func TestTaskVariance(t *testing.T) {
	rc, err := Recipe("yang20")
	if err != nil {
		t.Fatal(err)
	}
	rc.HiddenSize = 24
	r, err := Resolve(rc, "")
	if err != nil {
		t.Fatal(err)
	}
	m, err := rnn.New(r.Model, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &Dir{Config: rc, Resolved: r}
	out := t.TempDir()
	rep, err := d.TaskVariance(m, 5, 8, out)
	if err != nil {
		t.Fatal(err)
	}
	tv, cl := rep.Variance, rep.Clusters
	if len(tv.Tasks) != 20 || tv.Tasks[0] != "fdgo" || tv.Tasks[19] != "dmcnogo" || tv.N != 24 {
		t.Fatalf("tasks %v, %d units", tv.Tasks, tv.N)
	}
	if cl.K < 2 || len(cl.Labels) != len(tv.Active) || len(cl.Order) != len(tv.Active) {
		t.Errorf("clusters: k %d, %d labels for %d active units", cl.K, len(cl.Labels), len(tv.Active))
	}
	arrays, err := npz.Read(filepath.Join(out, TaskVarianceFile))
	if err != nil {
		t.Fatal(err)
	}
	if a := arrays["variance"]; len(a.Shape) != 2 || a.Shape[0] != 24 || a.Shape[1] != 20 {
		t.Errorf("variance shape %v", a.Shape)
	}
	if _, ok := arrays["ftv_dm1_dm2"]; !ok {
		t.Error("no ftv_dm1_dm2")
	}
	for _, f := range []string{"taskvariance_map.png", "taskvariance_silhouette.png", "taskvariance_ftv.png", TaskVarianceJSON} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	// Same seed, same result.
	rep2, err := d.TaskVariance(m, 5, 8, t.TempDir())
	if err != nil || rep2.Clusters.K != cl.K || rep2.Variance.Var[7] != tv.Var[7] {
		t.Errorf("a second run differs: %v", err)
	}

	pdm, _ := Recipe("pdm")
	rp, _ := Resolve(pdm, "")
	mp, _ := rnn.New(rp.Model, nil)
	if _, err := (&Dir{Config: pdm, Resolved: rp}).TaskVariance(mp, 1, 8, t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a multitask") {
		t.Errorf("pdm: %v", err)
	}

	nd, err := rc.WithoutDale()
	if err != nil {
		t.Fatal(err)
	}
	rn, err := Resolve(nd, "")
	if err != nil {
		t.Fatal(err)
	}
	var model struct{ Dale *bool }
	json.Unmarshal(rn.Config.Model, &model)
	if rn.Mask != nil || model.Dale == nil || *model.Dale {
		t.Errorf("--no-dale: mask %v, dale %v", rn.Mask, model.Dale)
	}
	mn, _ := rnn.New(rn.Model, nil)
	if mn.Dale() {
		t.Error("--no-dale network obeys Dale's law")
	}
}
