// rosetta-ts-sha256: 2d24775996f3b331
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/example/support-case-workflow-go/supportcaseworkflow"
)

func NewSupportStack(scope constructs.Construct, id string) awscdk.Stack {
	stack := awscdk.NewStack(scope, &id, nil)

	ana := &supportcaseworkflow.Employee{Id: jsii.String("emp-001"), Name: jsii.String("Ana Souza"), Email: jsii.String("ana.souza@example.com")}
	bilal := &supportcaseworkflow.Employee{Id: jsii.String("emp-002"), Name: jsii.String("Bilal Khan"), Email: jsii.String("bilal.khan@example.com")}
	workflow := supportcaseworkflow.NewSupportCaseWorkflow(stack, jsii.String("Support"), &supportcaseworkflow.SupportCaseWorkflowProps{
		Roster:      supportcaseworkflow.EmployeeRoster_FromEmployees(&[]*supportcaseworkflow.Employee{ana, bilal}),
		SenderEmail: jsii.String("support@example.com"), // the address to send from; SES must have it or its domain verified
	})

	// Let another service open cases.
	caller := awsiam.NewRole(stack, jsii.String("Caller"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	workflow.GrantStartExecution(caller)

	awscdk.NewCfnOutput(stack, jsii.String("CaseTableName"), &awscdk.CfnOutputProps{Value: workflow.Table().TableName()})
	awscdk.NewCfnOutput(stack, jsii.String("StateMachineArn"), &awscdk.CfnOutputProps{Value: workflow.StateMachine().StateMachineArn()})
	return stack
}

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	NewSupportStack(app, "SupportCaseWorkflowStack")
	app.Synth(nil)
}
