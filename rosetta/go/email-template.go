// rosetta-ts-sha256: 2fe99e6025e6cc05
import (
	"github.com/aws/jsii-runtime-go"
	"github.com/example/support-case-workflow-go/supportcaseworkflow"
)

ana := &supportcaseworkflow.Employee{Id: jsii.String("emp-001"), Name: jsii.String("Ana Souza"), Email: jsii.String("ana.souza@example.com")}
supportcaseworkflow.NewSupportCaseWorkflow(stack, jsii.String("Support"), &supportcaseworkflow.SupportCaseWorkflowProps{
	Roster:           supportcaseworkflow.EmployeeRoster_FromEmployees(&[]*supportcaseworkflow.Employee{ana}),
	SenderEmail:      jsii.String("support@example.com"),
	SenderName:       jsii.String("Support Team"), // From: "Support Team" <support@example.com>
	ReplyToAddresses: jsii.Strings("support-queue@example.com"),
	EmailTemplate: &supportcaseworkflow.EmailTemplate{
		Subject: jsii.String("New support case {{caseId}} is assigned to you"),
		Text: jsii.String("Hi {{employeeName}},\n\ncase {{caseId}} is yours{{#priority}} (priority {{priority}}){{/priority}}." +
			"{{#title}}\n\"{{title}}\"{{/title}}{{#link}}\nTicket: {{link}}{{/link}}"),
		Html: jsii.String("<p>Hi {{employeeName}},</p><p>case <strong>{{caseId}}</strong> is yours.</p>" +
			"{{#title}}<blockquote>{{title}}</blockquote>{{/title}}{{#link}}<p><a href=\"{{link}}\">Open the ticket</a></p>{{/link}}"),
	},
})
