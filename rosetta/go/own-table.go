// rosetta-ts-sha256: d6afe5ee17a4c4fc
import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/jsii-runtime-go"
	"github.com/example/support-case-workflow-go/supportcaseworkflow"
)

casesTable := awsdynamodb.Table_FromTableName(stack, jsii.String("Cases"), jsii.String("support-cases")) // key "caseId" (string)
onCall := awssns.NewTopic(stack, jsii.String("OnCall"), nil)
ana := &supportcaseworkflow.Employee{Id: jsii.String("emp-001"), Name: jsii.String("Ana Souza"), Email: jsii.String("ana.souza@example.com")}

supportcaseworkflow.NewSupportCaseWorkflow(stack, jsii.String("Support"), &supportcaseworkflow.SupportCaseWorkflowProps{
	Roster:         supportcaseworkflow.EmployeeRoster_FromEmployees(&[]*supportcaseworkflow.Employee{ana}),
	SenderEmail:    jsii.String("support@example.com"),
	Table:          casesTable,
	WorkflowType:   awsstepfunctions.StateMachineType_EXPRESS,
	HandlerTimeout: awscdk.Duration_Seconds(jsii.Number(10)),
	TaskTimeout:    awscdk.Duration_Seconds(jsii.Number(20)),
	AlarmTopic:     onCall,
})
