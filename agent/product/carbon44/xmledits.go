package carbon44

import "github.com/wso2-container/agent/xmlconf"

// The edits of the Carbon 4.4 files, by what they do: each returns one
// xmlconf edit (a .properties key for prop and secretProp).

// setText sets the text of the element at path.
func setText(path, v string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.SetText, Path: path, Value: v}
}

// setAll sets the text of every element at path.
func setAll(path, v string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.SetText, Path: path, Value: v, Match: xmlconf.All}
}

// secretText sets the secret text of the element at path.
func secretText(path, v string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.SetText, Path: path, Value: v, Secret: true}
}

// secretAll sets the secret text of every element at path.
func secretAll(path, v string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.SetText, Path: path, Value: v, Secret: true, Match: xmlconf.All}
}

// setAttr sets attribute attr of the element at path.
func setAttr(path, attr, v string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.SetAttr, Path: path, Attr: attr, Value: v}
}

// secretAttr sets secret attribute attr of the element at path.
func secretAttr(path, attr, v string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.SetAttr, Path: path, Attr: attr, Value: v, Secret: true}
}

// ensure adds fragment under parent (after the elements named) unless path exists.
func ensure(path, parent string, after []string, fragment string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.Ensure, Path: path, Parent: parent, After: after, XML: fragment}
}

// remove removes every element at path.
func remove(path string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.Remove, Path: path, Match: xmlconf.Any}
}

// prop sets a .properties key.
func prop(key, v string) xmlconf.PropEdit { return xmlconf.PropEdit{Key: key, Value: v} }

// secretProp sets a secret .properties key.
func secretProp(key, v string) xmlconf.PropEdit {
	return xmlconf.PropEdit{Key: key, Value: v, Secret: true}
}
