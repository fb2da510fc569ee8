package mask

import (
	"fmt"

	"github.com/dale-rnn/dale/npz"
)

// WriteNPZ saves m to an .npz archive at path (written atomically) that
// numpy reads with np.load. It holds
//
//	input      float32 (input_dim, hidden_size)   the input mask, (pre, post)
//	hidden     float32 (hidden_size, hidden_size) the hidden mask
//	readout    float32 (hidden_size, readout_dim) the readout mask
//	area       int32   (hidden_size,)             each neuron's area: its index in
//	                                              m.Areas() (the first area holding it
//	                                              when areas overlap), −1 for none
//	excitatory uint8   (hidden_size,)             1 excitatory, 0 inhibitory (E/I masks only)
func WriteNPZ(m Mask, path string) error {
	in, hid, out := m.Masks()
	arrays := []npz.Array{
		{Name: "input", Shape: in.Shape(), Data: in.Data},
		{Name: "hidden", Shape: hid.Shape(), Data: hid.Data},
		{Name: "readout", Shape: out.Shape(), Data: out.Data},
		{Name: "area", Shape: []int{m.Dims()[1]}, Data: AreaOf(m)},
	}
	if ei, ok := m.(EI); ok {
		exc := make([]uint8, m.Dims()[1])
		for i, e := range ei.Excitatory() {
			if e {
				exc[i] = 1
			}
		}
		arrays = append(arrays, npz.Array{Name: "excitatory", Shape: []int{len(exc)}, Data: exc})
	}
	if err := npz.Write(path, arrays...); err != nil {
		return fmt.Errorf("mask: writing %s: %w", path, err)
	}
	return nil
}

// AreaOf returns each hidden neuron's area as an index into m.Areas(): the
// first area that holds the neuron, or −1 if none does.
func AreaOf(m Mask) []int32 {
	out := make([]int32, m.Dims()[1])
	for i := range out {
		out[i] = -1
	}
	areas := m.Areas()
	for a := len(areas) - 1; a >= 0; a-- {
		for _, n := range areas[a].Indices {
			if n >= 0 && n < len(out) {
				out[n] = int32(a)
			}
		}
	}
	return out
}
