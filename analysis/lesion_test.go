package analysis

import (
	"strings"
	"testing"
)

// Keep removes exactly the synapses each lesion names.
func TestLesionKeep(t *testing.T) {
	// 6 neurons: area 0 = {0, 1, 2} (0, 1 E; 2 I), area 1 = {3, 4, 5} (3, 4 E; 5 I).
	exc := []bool{true, true, false, true, true, false}
	areas := [][]int{{0, 1, 2}, {3, 4, 5}}
	n, out := 6, 2
	removed := func(l Lesion) (rec [][2]int, ro []int) {
		k, err := l.Keep(n, out, exc, areas)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			for j := range n {
				if k.Hidden[i*n+j] == 0 {
					rec = append(rec, [2]int{i, j})
				}
			}
			for o := range out {
				if k.Readout[i*out+o] == 0 && (len(ro) == 0 || ro[len(ro)-1] != i) {
					ro = append(ro, i)
				}
			}
		}
		return rec, ro
	}
	rec, ro := removed(Lesion{Units: []int{4}})
	if len(rec) != n || len(ro) != 1 || ro[0] != 4 {
		t.Errorf("silencing unit 4 removed %v and readouts of %v", rec, ro)
	}
	rec, _ = removed(Lesion{Areas: []int{0}})
	if len(rec) != 3*n {
		t.Errorf("silencing area 0 removed %d synapses, want %d", len(rec), 3*n)
	}
	for _, c := range []struct {
		proj string
		want int // pre type × post type pairs across areas, both ways
	}{
		{"exc_exc", 2 * 2 * 2}, {"exc_inh", 2 * 1 * 2}, {"inh_exc", 1 * 2 * 2}, {"inh_inh", 1 * 1 * 2},
	} {
		rec, ro := removed(Lesion{Projection: c.proj})
		if len(rec) != c.want || len(ro) != 0 {
			t.Errorf("%s removed %v (%d), want %d synapses", c.proj, rec, len(rec), c.want)
		}
		for _, p := range rec {
			sameArea := (p[0] < 3) == (p[1] < 3)
			if sameArea || exc[p[0]] != strings.HasPrefix(c.proj, "exc") || exc[p[1]] != strings.HasSuffix(c.proj, "exc") {
				t.Errorf("%s removed %v, which is not of its class", c.proj, p)
			}
		}
	}
	if got := (Lesion{Projection: "exc_inh"}).Label(); got != "inter-area E→I" {
		t.Errorf("label %q", got)
	}
	for _, l := range []Lesion{{Units: []int{6}}, {Areas: []int{2}}, {Projection: "exc"}} {
		if _, err := l.Keep(n, out, exc, areas); err == nil {
			t.Errorf("%+v was accepted", l)
		}
	}
	if _, err := (Lesion{Projection: "exc_exc"}).Keep(n, out, exc, areas[:1]); err == nil {
		t.Error("a projection lesion on one area was accepted")
	}
}
