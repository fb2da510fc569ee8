package analysis

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dale-rnn/dale/rnn"
)

// A Lesion names what to remove from a trained network: units silenced
// (their outgoing synapses, recurrent and readout, removed, so the rest of
// the network never sees their activity), every unit of an area, or one
// class of projection between areas — the four inter_area_connections
// switches of nn4n's MultiAreaEI mask (exc_exc, exc_inh, inh_exc,
// inh_inh), removing the synapses from neurons of the first type in one
// area to neurons of the second type in another.
type Lesion struct {
	// Name labels the lesion in reports ("" → made from the rest).
	Name string
	// Units are hidden neurons to silence.
	Units []int
	// Areas are areas (indices into the areas given to Keep) to silence.
	Areas []int
	// Projection is "exc_exc", "exc_inh", "inh_exc" or "inh_inh" ("" for
	// none): that class of inter-area synapse is removed.
	Projection string
}

// Projections are the four projection classes between areas, in
// nn4n's inter_area_connections order.
var Projections = []string{"exc_exc", "exc_inh", "inh_exc", "inh_inh"}

// Label is l.Name, or a description of what l removes.
func (l Lesion) Label() string {
	if l.Name != "" {
		return l.Name
	}
	var parts []string
	if len(l.Units) > 0 {
		parts = append(parts, fmt.Sprintf("units %v", l.Units))
	}
	for _, a := range l.Areas {
		parts = append(parts, fmt.Sprintf("area %d", a))
	}
	if l.Projection != "" {
		parts = append(parts, "inter-area "+strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(l.Projection, "exc", "E"), "inh", "I"), "_", "→"))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// Keep returns the keep masks of a lesion for a network of n hidden and
// out readout neurons (rnn.Model.Lesioned multiplies the masks by them):
// excitatory says which neurons are excitatory (rnn.Masks.Excitatory),
// areas lists each area's neurons (mask.Area.Indices).
func (l Lesion) Keep(n, out int, excitatory []bool, areas [][]int) (rnn.Masks, error) {
	if len(excitatory) != n {
		return rnn.Masks{}, fmt.Errorf("analysis: lesion: %d excitatory flags for %d neurons", len(excitatory), n)
	}
	hidden, readout := ones(n*n), ones(n*out)
	silence := func(i int) {
		for j := range n {
			hidden[i*n+j] = 0
		}
		for o := range out {
			readout[i*out+o] = 0
		}
	}
	for _, u := range l.Units {
		if u < 0 || u >= n {
			return rnn.Masks{}, fmt.Errorf("analysis: lesion: unit %d is not allowed: the network has neurons 0 … %d", u, n-1)
		}
		silence(u)
	}
	for _, a := range l.Areas {
		if a < 0 || a >= len(areas) {
			return rnn.Masks{}, fmt.Errorf("analysis: lesion: area %d is not allowed: the network has %d area(s)", a, len(areas))
		}
		for _, u := range areas[a] {
			if u >= 0 && u < n {
				silence(u)
			}
		}
	}
	if l.Projection != "" {
		k := slices.Index(Projections, l.Projection)
		if k < 0 {
			return rnn.Masks{}, fmt.Errorf("analysis: lesion: projection = %q is not allowed: must be one of %s", l.Projection, strings.Join(Projections, ", "))
		}
		if len(areas) < 2 {
			return rnn.Masks{}, fmt.Errorf("analysis: lesion: projection %s needs at least two areas; the network has %d", l.Projection, len(areas))
		}
		preE, postE := k < 2, k%2 == 0
		area := make([]int, n)
		for i := range area {
			area[i] = -1
		}
		for a, idx := range areas {
			for _, u := range idx {
				if u >= 0 && u < n {
					area[u] = a
				}
			}
		}
		for i := range n {
			for j := range n {
				if area[i] >= 0 && area[j] >= 0 && area[i] != area[j] && excitatory[i] == preE && excitatory[j] == postE {
					hidden[i*n+j] = 0
				}
			}
		}
	}
	return rnn.Masks{Hidden: hidden, Readout: readout}, nil
}

func ones(n int) []float64 {
	o := make([]float64, n)
	for i := range o {
		o[i] = 1
	}
	return o
}
