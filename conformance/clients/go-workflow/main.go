// A platform team's workflow with the AWS SDK for Go (v1) against SAGEMAKER_ENDPOINT_URL, with the credentials of
// the environment: create a domain and wait for it, update it, create user profiles, list them a page of two at a
// time through the SDK's paginator, delete everything and wait until it is gone, and read the error codes of a
// missing domain and of a refused value. Prints what it saw as JSON; exits 1 with the error otherwise.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/awserr"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/sagemaker"
)

var client *sagemaker.SageMaker

func main() {
	sess := session.Must(session.NewSession(&aws.Config{
		Endpoint:   aws.String(os.Getenv("SAGEMAKER_ENDPOINT_URL")),
		Region:     aws.String("us-east-1"),
		MaxRetries: aws.Int(0),
	}))
	client = sagemaker.New(sess)
	role := os.Args[1]
	seen := map[string]interface{}{}

	created, err := client.CreateDomain(&sagemaker.CreateDomainInput{
		DomainName:          aws.String("go-workflow"),
		AuthMode:            aws.String(sagemaker.AuthModeIam),
		VpcId:               aws.String("vpc-0a1b2c3d"),
		SubnetIds:           aws.StringSlice([]string{"subnet-0a1b2c3d"}),
		DefaultUserSettings: &sagemaker.UserSettings{ExecutionRole: aws.String(role)},
	})
	check(err)
	// This SDK predates DomainId in CreateDomain's answer: the id ends the ARN.
	arn := *created.DomainArn
	domainID := aws.String(arn[strings.LastIndex(arn, "/")+1:])
	seen["created"] = waitForDomain(domainID, sagemaker.DomainStatusInService)

	_, err = client.UpdateDomain(&sagemaker.UpdateDomainInput{
		DomainId: domainID,
		DefaultUserSettings: &sagemaker.UserSettings{JupyterServerAppSettings: &sagemaker.JupyterServerAppSettings{
			DefaultResourceSpec: &sagemaker.ResourceSpec{InstanceType: aws.String("ml.t3.medium")}}},
	})
	check(err)
	seen["updated"] = waitForDomain(domainID, sagemaker.DomainStatusInService)
	described, err := client.DescribeDomain(&sagemaker.DescribeDomainInput{DomainId: domainID})
	check(err)
	seen["instance type"] = *described.DefaultUserSettings.JupyterServerAppSettings.DefaultResourceSpec.InstanceType
	seen["role kept"] = *described.DefaultUserSettings.ExecutionRole == role

	names := []string{"ann", "ben", "cat", "dan", "eve"}
	for _, name := range names {
		_, err = client.CreateUserProfile(&sagemaker.CreateUserProfileInput{
			DomainId: domainID, UserProfileName: aws.String(name)})
		check(err)
	}
	var listed []string
	pages := 0
	err = client.ListUserProfilesPages(&sagemaker.ListUserProfilesInput{
		DomainIdEquals: domainID, MaxResults: aws.Int64(2), SortBy: aws.String("CreationTime"),
		SortOrder: aws.String("Ascending"),
	}, func(page *sagemaker.ListUserProfilesOutput, last bool) bool {
		pages++
		for _, profile := range page.UserProfiles {
			listed = append(listed, *profile.UserProfileName)
		}
		return true
	})
	check(err)
	seen["listed"] = listed
	seen["pages"] = pages

	for _, name := range names {
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
			profile, err := client.DescribeUserProfile(&sagemaker.DescribeUserProfileInput{
				DomainId: domainID, UserProfileName: aws.String(name)})
			check(err)
			if *profile.Status == sagemaker.UserProfileStatusInService {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		_, err = client.DeleteUserProfile(&sagemaker.DeleteUserProfileInput{
			DomainId: domainID, UserProfileName: aws.String(name)})
		check(err)
	}
	for _, name := range names {
		for {
			_, err = client.DescribeUserProfile(&sagemaker.DescribeUserProfileInput{
				DomainId: domainID, UserProfileName: aws.String(name)})
			if err != nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		seen["profile gone"] = code(err)
	}
	_, err = client.DeleteDomain(&sagemaker.DeleteDomainInput{DomainId: domainID})
	check(err)
	seen["domain gone"] = waitForDomain(domainID, "")

	_, err = client.DescribeDomain(&sagemaker.DescribeDomainInput{DomainId: aws.String("d-000000000000")})
	seen["missing"] = code(err)
	_, err = client.UpdateDomain(&sagemaker.UpdateDomainInput{DomainId: aws.String("d-000000000000"),
		DefaultUserSettings: &sagemaker.UserSettings{ExecutionRole: aws.String("arn:aws:iam::1:role-without-slash")}})
	seen["refused"] = code(err)
	if aerr, ok := err.(awserr.RequestFailure); ok {
		seen["refused status"] = aerr.StatusCode()
	}
	domains, err := client.ListDomains(&sagemaker.ListDomainsInput{})
	check(err)
	seen["domains left"] = len(domains.Domains)

	out, _ := json.Marshal(seen)
	fmt.Println(string(out))
}

// Polls DescribeDomain until the status is `wanted` ("" waits for ResourceNotFound); returns what it ended on.
func waitForDomain(id *string, wanted string) string {
	deadline := time.Now().Add(30 * time.Second)
	for {
		domain, err := client.DescribeDomain(&sagemaker.DescribeDomainInput{DomainId: id})
		status := ""
		if err != nil {
			status = code(err)
			if wanted == "" {
				return status
			}
		} else {
			status = *domain.Status
		}
		if status == wanted || time.Now().After(deadline) {
			return status
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func code(err error) string {
	if aerr, ok := err.(awserr.Error); ok {
		return aerr.Code()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, code(err), err)
		os.Exit(1)
	}
}
