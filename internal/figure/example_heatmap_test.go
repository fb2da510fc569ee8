package figure_test

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"

	"github.com/dale-rnn/dale/internal/figure"
)

// signs is a 3 × 3 mask: neuron 2 is inhibitory (a negative row).
type signs [3][3]float64

func (s *signs) Dims() (int, int)    { return 3, 3 }
func (s *signs) At(i, j int) float64 { return s[i][j] }

// Draw a small signed mask with an area boundary after neuron 2 and save it.
func ExampleSignedMask() {
	m := &signs{{1, 1, 0}, {0, 1, 1}, {-1, 0, -1}}
	f, err := figure.SignedMask(m, figure.MaskOptions{Title: "hidden mask", RowLines: []int{2}, ColLines: []int{2}})
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "figure")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "hidden.png")
	if err := f.SavePNG(path, 600, 480); err != nil {
		fmt.Println(err)
		return
	}
	file, _ := os.Open(path)
	defer file.Close()
	img, err := png.Decode(file)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img.Bounds().Dx(), "×", img.Bounds().Dy(), "pixels; legend:", f.Legend[0].Label, "/", f.Legend[1].Label, "/", f.Legend[2].Label)
	// Output: 600 × 480 pixels; legend: excitatory (+1) / inhibitory (−1) / none (0)
}
