// rosetta-ts-sha256: 7fa04276aad3ca9e
onCall := awssns.NewTopic(stack, jsii.String("OnCall"), nil)
ana := &supportcaseworkflow.Employee{Id: jsii.String("emp-001"), Name: jsii.String("Ana Souza"), Email: jsii.String("ana.souza@example.com")}

supportcaseworkflow.NewSupportCaseWorkflow(stack, jsii.String("Support"), &supportcaseworkflow.SupportCaseWorkflowProps{
	Roster:           supportcaseworkflow.EmployeeRoster_FromEmployees(&[]*supportcaseworkflow.Employee{ana}),
	SenderEmail:      jsii.String("support@example.com"),
	AlarmTopic:       onCall, // every alarm, when it fires and when it recovers
	DashboardName:    jsii.String("support-cases"),
	LogLevel:         awslambda.ApplicationLogLevel_WARN,
	LogRemovalPolicy: awscdk.RemovalPolicy_RETAIN,
})
