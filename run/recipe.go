package run

import (
	"embed"
	"fmt"
	"strings"

	"github.com/dale-rnn/dale/tasks"
)

// recipeFS holds one training recipe per task: recipes/NAME.json is the
// run config that "dale train --task NAME" trains.
//
// One recipe, recipes/yang/single.json, serves each of Yang et al.
// 2019's 20 tasks trained alone (yang-fdgo, ..., yang-dmcnogo) with the
// task's name set; yang20 (all of them in one network) has its own.
//
//go:embed recipes/*.json recipes/yang/single.json
var recipeFS embed.FS

// DefaultTask is the task of the default run (a bare "dale train").
const DefaultTask = "pdm"

// Recipe returns the training recipe of the named task: a run config made
// for it (network size, steps, optimiser, initialisation, noise, loss,
// curriculum and target) that trains it to its target with the task's
// default parameters. Every registered task has one.
func Recipe(task string) (Config, error) {
	file := "recipes/" + task + ".json"
	_, yang := tasks.YangRuleIndex(task)
	yang = yang && strings.HasPrefix(task, "yang-")
	if yang {
		file = "recipes/yang/single.json"
	}
	data, err := recipeFS.ReadFile(file)
	if err != nil || strings.Contains(task, "/") {
		return Config{}, invalid("task", fmt.Sprintf("%q", task), "no recipe; tasks with recipes: %s", strings.Join(tasks.Names(), ", "))
	}
	rc, err := Parse(data, "recipe "+task)
	if err != nil {
		return Config{}, err
	}
	if yang {
		rc.Task.Name = task
	}
	if rc.Task.Name != task {
		return Config{}, fmt.Errorf("recipe %s trains task %q", task, rc.Task.Name)
	}
	return rc, nil
}

// Default returns the default run: the recipe of DefaultTask.
func Default() Config {
	rc, err := Recipe(DefaultTask)
	if err != nil { // the embedded recipes are tested to parse
		panic(fmt.Sprintf("run: default recipe: %v", err))
	}
	return rc
}
