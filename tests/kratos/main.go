// Command kratos is Ory Kratos v1.3.1, built from the Go module proxy as a dependency (no Kratos
// source in this repository), for aalgate's tests against the real server (tests/kratos/).
//
//	kratos serve -c kratos.yml --dev --sqa-opt-out   Kratos's own CLI (github.com/ory/kratos/cmd)
//	kratos migrate sql -e --yes                      idem
//	kratos aalgate-sql <sqlite file> <statement> [args...]
//	                                                 ours: runs one SQL statement on the test
//	                                                 database and prints the rows as JSON lines
//
// aalgate-sql exists so that a test can write what no flow of v1.3.1 writes any more (a session
// recorded before Kratos 0.9, whose methods carry no aal) and watch how the server reads it.
package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"

	_ "github.com/mattn/go-sqlite3" // the driver Kratos links with -tags sqlite

	"github.com/ory/kratos/cmd"
)

func main() {
	if len(os.Args) >= 4 && os.Args[1] == "aalgate-sql" {
		if err := runSQL(os.Args[2], os.Args[3], os.Args[4:]); err != nil {
			fmt.Fprintln(os.Stderr, "aalgate-sql:", err)
			os.Exit(1)
		}
		return
	}
	os.Exit(cmd.Execute())
}

func runSQL(file, statement string, args []string) error {
	db, err := sql.Open("sqlite3", "file:"+file+"?_fk=true&_busy_timeout=5000")
	if err != nil {
		return err
	}
	defer db.Close()
	params := make([]any, len(args))
	for i, a := range args {
		params[i] = a
	}
	rows, err := db.Query(statement, params...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	out := json.NewEncoder(os.Stdout)
	for rows.Next() {
		values := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range values {
			ptrs[i] = &values[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		row := map[string]any{}
		for i, c := range cols {
			if b, ok := values[i].([]byte); ok {
				row[c] = string(b)
			} else {
				row[c] = values[i]
			}
		}
		if err := out.Encode(row); err != nil {
			return err
		}
	}
	return rows.Err()
}
