// rosetta-ts-sha256: 373202e5be58faea
ana := &supportcaseworkflow.Employee{Id: jsii.String("e1"), Name: jsii.String("Ana"), Email: jsii.String("ana@example.com")}
supportcaseworkflow.EmployeeRoster_FromEmployees(&[]*supportcaseworkflow.Employee{ana})
