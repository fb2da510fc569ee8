package mask_test

import (
	"fmt"

	"github.com/dale-rnn/dale/mask"
)

// Build a two-area E/I network as on nn4n's MultiAreaEI page, then read its
// sparsity masks and specs.
func ExampleNewMultiAreaEI() {
	m, err := mask.NewMultiAreaEI(mask.MultiAreaEIConfig{
		MultiAreaConfig: mask.MultiAreaConfig{
			Dims:               [3]int{2, 10, 1},
			NAreas:             2,
			AreaConnectivities: []float64{0.5, 0.2}, // feedforward, feedback
			InputAreas:         []int{0},
			ReadoutAreas:       []int{1},
			Seed:               1,
		},
		ExcPct:               new(0.8),
		InterAreaConnections: &[4]bool{true, true, true, false}, // no I→I between areas
		InhReadout:           new(false),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Signed masks: +1 excitatory, -1 inhibitory, 0 none; (pre, post).
	_, hidden, readout := m.Masks()
	// Sparsity masks: 1 where a synapse exists.
	_, sparseHidden, _ := m.SparsityMasks()
	fmt.Println("neuron 0 (excitatory):", hidden.Data[0*10:1*10])
	fmt.Println("neuron 4 (inhibitory):", hidden.Data[4*10:5*10])
	fmt.Println("its sparsity row:     ", sparseHidden.Data[4*10:5*10])
	fmt.Println("readout:", readout.Data)
	fmt.Println("area_2:", must(m.AreaIndicesByName("area_2")))
	fmt.Println("excitatory in area 0:", must(m.ExcitatoryIndices(0)))
	fmt.Print(m.Specs())
	// Output:
	// neuron 0 (excitatory): [1 1 1 1 1 1 1 0 1 1]
	// neuron 4 (inhibitory): [-1 -1 -1 -1 -1 -1 0 -1 -1 0]
	// its sparsity row:      [1 1 1 1 1 1 0 1 1 0]
	// readout: [0 0 0 0 0 1 1 1 1 0]
	// area_2: [5 6 7 8 9]
	// excitatory in area 0: [0 1 2 3]
	// dims:                   [2, 10, 1]
	// hidden_size:            10
	// input_dim:              2
	// readout_dim:            1
	// n_areas:                2
	// area_connectivities:    [[1, 0.2], [0.5, 1]]
	// input_areas:            [0]
	// readout_areas:          [1]
	// exc_pct:                0.8
	// inter_area_connections: [true, true, true, false]
	// inh_readout:            false
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The same kind of network from a JSON config, as "dale mask --config"
// reads it: nn4n's parameter names plus "type" and "seed".
func ExampleFromJSON() {
	m, err := mask.FromJSON([]byte(`{
		"type": "multi_area_ei", "seed": 7, "dims": [1, 90, 2],
		"n_areas": [60, 30], "area_connectivities": [[1, 0.05], [0.2, 1]],
		"exc_pct": 0.75, "inter_area_connections": [true, false, true, false]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ei := m.(mask.EI)
	nExc := 0
	for _, e := range ei.Excitatory() {
		if e {
			nExc++
		}
	}
	fmt.Println(m.Type(), "seed", m.Seed(), "excitatory neurons:", nExc)
	fmt.Println(m.(*mask.MultiAreaEI).AreaNames())

	_, err = mask.FromJSON([]byte(`{"type": "multi_area_ei", "exc_pct": 1.5}`))
	fmt.Println(err)
	// Output:
	// multi_area_ei seed 7 excitatory neurons: 67
	// [area_1 area_2]
	// mask: exc_pct = 1.5 is not allowed: must be in [0, 1]
}
