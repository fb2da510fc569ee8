package npz_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dale-rnn/dale/npz"
)

func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "npz")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "weights.npz")
	err := npz.Write(path,
		npz.Array{Name: "w", Shape: []int{2, 2}, Data: []float32{1, -1, 0, 2}},
		npz.Array{Name: "excitatory", Shape: []int{2}, Data: []uint8{1, 0}},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	arrays, err := npz.Read(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range npz.Names(arrays) {
		fmt.Println(name, arrays[name].Shape, arrays[name].Data)
	}
	// Output:
	// excitatory [2] [1 0]
	// w [2 2] [1 -1 0 2]
}
