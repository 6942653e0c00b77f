// Lists domains and creates a lifecycle configuration with the AWS SDK for Go (v1), against SAGEMAKER_ENDPOINT_URL,
// with the credentials of the environment. Prints the JSON of what it read; exits 1 with the error code otherwise.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/awserr"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/sagemaker"
)

func main() {
	sess := session.Must(session.NewSession(&aws.Config{
		Endpoint:   aws.String(os.Getenv("SAGEMAKER_ENDPOINT_URL")),
		Region:     aws.String("us-east-1"),
		MaxRetries: aws.Int(0),
	}))
	client := sagemaker.New(sess)
	created, err := client.CreateStudioLifecycleConfig(&sagemaker.CreateStudioLifecycleConfigInput{
		StudioLifecycleConfigName:    aws.String(os.Args[1]),
		StudioLifecycleConfigAppType: aws.String("JupyterLab"),
		StudioLifecycleConfigContent: aws.String("ZWNobyBoaQ=="),
	})
	if err != nil {
		fail(err)
	}
	domains, err := client.ListDomains(&sagemaker.ListDomainsInput{})
	if err != nil {
		fail(err)
	}
	out, _ := json.Marshal(map[string]interface{}{"Arn": created.StudioLifecycleConfigArn, "Domains": domains.Domains})
	fmt.Println(string(out))
}

func fail(err error) {
	if aerr, ok := err.(awserr.Error); ok {
		fmt.Fprintln(os.Stderr, aerr.Code())
	} else {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(1)
}
