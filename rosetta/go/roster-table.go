// rosetta-ts-sha256: 016f20bd9d145b56
import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"
	"github.com/example/support-case-workflow-go/supportcaseworkflow"
)

rosterTable := awsdynamodb.NewTable(stack, jsii.String("Roster"), &awsdynamodb.TableProps{
	PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("employeeId"), Type: awsdynamodb.AttributeType_STRING},
	BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
	PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
		PointInTimeRecoveryEnabled: jsii.Bool(true),
	},
})

supportcaseworkflow.NewSupportCaseWorkflow(stack, jsii.String("Support"), &supportcaseworkflow.SupportCaseWorkflowProps{
	Roster: supportcaseworkflow.EmployeeRoster_FromTable(rosterTable, &supportcaseworkflow.TableRosterOptions{
		CacheTtl: awscdk.Duration_Seconds(jsii.Number(30)),
	}),
	SenderEmail: jsii.String("support@example.com"),
})
awscdk.NewCfnOutput(stack, jsii.String("RosterTableName"), &awscdk.CfnOutputProps{Value: rosterTable.TableName()}) // to seed it
