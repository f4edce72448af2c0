// rosetta-ts-sha256: b28e7da47d4d61e4
import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/example/support-case-workflow-go/supportcaseworkflow"
)

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
