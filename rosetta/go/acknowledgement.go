// rosetta-ts-sha256: 3d321630846cdf8a
import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/example/support-case-workflow-go/supportcaseworkflow"
)

ana := &supportcaseworkflow.Employee{Id: jsii.String("emp-001"), Name: jsii.String("Ana Souza"), Email: jsii.String("ana.souza@example.com")}
bo := &supportcaseworkflow.Employee{Id: jsii.String("emp-002"), Name: jsii.String("Bo Lindqvist"), Email: jsii.String("bo.lindqvist@example.com")}
support := supportcaseworkflow.NewSupportCaseWorkflow(stack, jsii.String("Support"), &supportcaseworkflow.SupportCaseWorkflowProps{
	Roster:      supportcaseworkflow.EmployeeRoster_FromEmployees(&[]*supportcaseworkflow.Employee{ana, bo}),
	SenderEmail: jsii.String("support@example.com"),
	Acknowledgement: &supportcaseworkflow.AcknowledgementOptions{
		EscalateAfter:       awscdk.Duration_Minutes(jsii.Number(15)),       // each round's wait
		MaxRounds:           jsii.Number(3),                                 // emails per case at most, the first included
		UnacknowledgedTopic: awssns.NewTopic(stack, jsii.String("Unacknowledged"), nil), // gets the case id when all rounds ran out
	},
})
_ = support.AcknowledgePageUrl() // the page the emails link to (a Lambda function URL)
